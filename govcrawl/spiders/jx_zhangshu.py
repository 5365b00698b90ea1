"""樟树市人民政府 (Zhangshu City, Yichun, Jiangxi).

Source: ../shared/portals/county_portals.csv, the 樟树新闻 row of 樟树市 (360982),
whose `source` is
anyi-econ/china-public-debt@9b01b30ad483:scripts/website_management/news-probe-results.json
[tier A; score=90; anchor; validated]. Region code: NBS 2023 统计用区划代码.
"""

from govcrawl.region import Region
from govcrawl.spiders.platforms.yn_pc import YnPcSpider


class JxZhangshuSpider(YnPcSpider):
    name = "jx_zhangshu"
    chinese_name = "樟树市人民政府"
    region = Region("360982", "江西省", "宜春市", "樟树市")
    allowed_domains = ["www.zhangshu.gov.cn"]
    channels = {
        "樟树新闻": "http://www.zhangshu.gov.cn/zssrmzf/zsxw/pc/list.html",
    }
