"""博罗县人民政府 (Boluo County, Huizhou, Guangdong).

Source: ../shared/portals/county_portals.csv, the 政务要闻 row of 博罗县 (441322),
whose `source` is
anyi-econ/china-public-debt@9b01b30ad483:scripts/website_management/news-probe-results.json
[tier A; score=100; anchor; validated]. Region code: NBS 2023 统计用区划代码.
"""

from govcrawl.region import Region
from govcrawl.spiders.platforms.gd_jyh import GdJyhSpider


class GdBoluoSpider(GdJyhSpider):
    name = "gd_boluo"
    chinese_name = "博罗县人民政府"
    region = Region("441322", "广东省", "惠州市", "博罗县")
    allowed_domains = ["www.boluo.gov.cn"]
    channels = {
        "政务要闻": "http://www.boluo.gov.cn/zwgk/zwdt/zwyw/index.html",
    }
