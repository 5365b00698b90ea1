"""天台县人民政府 (Tiantai County, Taizhou, Zhejiang), on Hanweb 大汉 JCMS.

Source: ../shared/portals/county_portals.csv, rows for 天台县 (331023), taken from
anyi-econ/china-public-debt@9b01b30ad483 (news-probe-results.json: 天台新闻, validated).
Region code: NBS 2023 统计用区划代码.
"""

from govcrawl.region import Region
from govcrawl.spiders.platforms.hanweb import HanwebSpider


class ZjTiantaiSpider(HanwebSpider):
    name = "zj_tiantai"
    chinese_name = "天台县人民政府"
    region = Region("331023", "浙江省", "台州市", "天台县")
    allowed_domains = ["www.zjtt.gov.cn"]
    channels = {
        "天台新闻": "https://www.zjtt.gov.cn/col/col1683803/index.html",
    }
