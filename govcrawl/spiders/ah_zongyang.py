"""枞阳县人民政府 (Zongyang County, Tongling, Anhui).

Source: ../shared/portals/county_portals.csv, the 枞阳要闻 row of 枞阳县 (340722),
whose `source` is
anyi-econ/china-public-debt@9b01b30ad483:scripts/website_management/news-probe-results.json
[tier A; score=90; anchor; validated]. Region code: NBS 2023 统计用区划代码.
"""

from govcrawl.region import Region
from govcrawl.spiders.platforms.yn_pc import YnPcSpider


class AhZongyangSpider(YnPcSpider):
    name = "ah_zongyang"
    chinese_name = "枞阳县人民政府"
    region = Region("340722", "安徽省", "铜陵市", "枞阳县")
    allowed_domains = ["www.zongyang.gov.cn"]
    channels = {
        "枞阳要闻": "https://www.zongyang.gov.cn/zyxrmzf/zyyw/pc/list.html",
    }
