"""兰考县人民政府 (Lankao County, Kaifeng, Henan).

Source: ../shared/portals/county_portals.csv, the 兰考要闻 row of 兰考县 (410225),
whose `source` is
anyi-econ/china-public-debt@9b01b30ad483:scripts/website_management/news-probe-results.json
[tier A; score=90; anchor; validated]. Region code: NBS 2023 统计用区划代码.
"""

from govcrawl.region import Region
from govcrawl.spiders.platforms.yn_pc import YnPcSpider


class HaLankaoSpider(YnPcSpider):
    name = "ha_lankao"
    chinese_name = "兰考县人民政府"
    region = Region("410225", "河南省", "开封市", "兰考县")
    allowed_domains = ["www.lankao.gov.cn"]
    channels = {
        "兰考要闻": "http://www.lankao.gov.cn/kfslkxwz/c00085/pc/list.html",
    }
