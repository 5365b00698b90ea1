"""饶平县人民政府 (Raoping County, Chaozhou, Guangdong).

Source: ../shared/portals/county_portals.csv, the 要闻动态 row of 饶平县 (445122),
whose `source` is
anyi-econ/china-public-debt@9b01b30ad483:scripts/website_management/news-probe-results.json
[tier A; score=90; anchor; validated]. Region code: NBS 2023 统计用区划代码.
"""

from govcrawl.region import Region
from govcrawl.spiders.platforms.gd_jyh import GdJyhSpider


class GdRaopingSpider(GdJyhSpider):
    name = "gd_raoping"
    chinese_name = "饶平县人民政府"
    region = Region("445122", "广东省", "潮州市", "饶平县")
    allowed_domains = ["www.raoping.gov.cn"]
    channels = {
        "要闻动态": "https://www.raoping.gov.cn/ywdt/index.html",
    }
