"""新兴县人民政府 (Xinxing County, Yunfu, Guangdong).

Source: ../shared/portals/county_portals.csv, the 新兴要闻 row of 新兴县 (445321),
whose `source` is
anyi-econ/china-public-debt@9b01b30ad483:scripts/website_management/news-probe-results.json
[tier A; score=90; anchor; validated]. Region code: NBS 2023 统计用区划代码.
"""

from govcrawl.region import Region
from govcrawl.spiders.platforms.gd_jyh import GdJyhSpider


class GdXinxingSpider(GdJyhSpider):
    name = "gd_xinxing"
    chinese_name = "新兴县人民政府"
    region = Region("445321", "广东省", "云浮市", "新兴县")
    allowed_domains = ["www.xinxing.gov.cn"]
    channels = {
        "新兴要闻": "http://www.xinxing.gov.cn/xxxrmzf/xxdt/xxyw/index.html",
    }
