"""英德市人民政府 (Yingde City, Qingyuan, Guangdong).

Source: ../shared/portals/county_portals.csv, the 政务要闻 row of 英德市 (441881),
whose `source` is
anyi-econ/china-public-debt@9b01b30ad483:scripts/website_management/news-probe-results.json
[tier A; score=100; anchor; validated]. Region code: NBS 2023 统计用区划代码.
"""

from govcrawl.region import Region
from govcrawl.spiders.platforms.gd_jyh import GdJyhSpider


class GdYingdeSpider(GdJyhSpider):
    name = "gd_yingde"
    chinese_name = "英德市人民政府"
    region = Region("441881", "广东省", "清远市", "英德市")
    allowed_domains = ["www.yingde.gov.cn"]
    channels = {
        "政务要闻": "http://www.yingde.gov.cn/zwgk/zwdt/zwyw/index.html",
    }
