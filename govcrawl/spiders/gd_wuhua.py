"""五华县人民政府 (Wuhua County, Meizhou, Guangdong).

Source: ../shared/portals/county_portals.csv, the 政务动态 row of 五华县 (441424),
whose `source` is
anyi-econ/china-public-debt@9b01b30ad483:scripts/website_management/news-probe-results.json
[tier B; score=85; anchor; validated]. Region code: NBS 2023 统计用区划代码.
"""

from govcrawl.region import Region
from govcrawl.spiders.platforms.gd_jyh import GdJyhSpider


class GdWuhuaSpider(GdJyhSpider):
    name = "gd_wuhua"
    chinese_name = "五华县人民政府"
    region = Region("441424", "广东省", "梅州市", "五华县")
    allowed_domains = ["www.wuhua.gov.cn"]
    channels = {
        "政务动态": "https://www.wuhua.gov.cn/xxgk/gzdt/zwdt/index.html",
    }
