"""安岳县人民政府 (Anyue County, Ziyang, Sichuan).

Source: ../shared/portals/county_portals.csv, the 政务要闻 row of 安岳县 (512021),
whose `source` is
anyi-econ/china-public-debt@9b01b30ad483:scripts/website_management/news-probe-results.json
[tier A; score=100; anchor; validated]. Region code: NBS 2023 统计用区划代码.
"""

from govcrawl.region import Region
from govcrawl.spiders.platforms.yn_pc import YnPcSpider


class ScAnyueSpider(YnPcSpider):
    name = "sc_anyue"
    chinese_name = "安岳县人民政府"
    region = Region("512021", "四川省", "资阳市", "安岳县")
    allowed_domains = ["www.aysc.gov.cn"]
    channels = {
        "政务要闻": "http://www.aysc.gov.cn/ayxrmzf/zwyw/pc/list.html",
    }
