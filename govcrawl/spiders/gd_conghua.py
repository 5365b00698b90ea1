"""广州市从化区人民政府 (Conghua District, Guangzhou, Guangdong).

Source: ../shared/portals/county_portals.csv, the 从化要闻 row of 从化区 (440117),
whose `source` is
anyi-econ/china-public-debt@9b01b30ad483:scripts/website_management/news-probe-results.json
[tier A; score=90; anchor; validated]. Region code: NBS 2023 统计用区划代码.
"""

from govcrawl.region import Region
from govcrawl.spiders.platforms.gd_jyh import GdJyhSpider


class GdConghuaSpider(GdJyhSpider):
    name = "gd_conghua"
    chinese_name = "广州市从化区人民政府"
    region = Region("440117", "广东省", "广州市", "从化区")
    allowed_domains = ["www.conghua.gov.cn"]
    channels = {
        "从化要闻": "http://www.conghua.gov.cn/zwgk/chyw/index.html",
    }
