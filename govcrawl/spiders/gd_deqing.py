"""德庆县人民政府 (Deqing County, Zhaoqing, Guangdong).

Source: ../shared/portals/county_portals.csv, the 德庆要闻 row of 德庆县 (441226),
whose `source` is
anyi-econ/china-public-debt@9b01b30ad483:scripts/website_management/news-probe-results.json
[tier A; score=90; anchor; validated]. Region code: NBS 2023 统计用区划代码.
"""

from govcrawl.region import Region
from govcrawl.spiders.platforms.gd_jyh import GdJyhSpider


class GdDeqingSpider(GdJyhSpider):
    name = "gd_deqing"
    chinese_name = "德庆县人民政府"
    region = Region("441226", "广东省", "肇庆市", "德庆县")
    allowed_domains = ["www.gddq.gov.cn"]
    channels = {
        "德庆要闻": "https://www.gddq.gov.cn/xwzx/dqyw/index.html",
    }
