"""广南县人民政府 (Guangnan County, Wenshan, Yunnan).

Source: ../shared/portals/county_portals.csv, rows for 广南县 (532627), taken from
anyi-econ/china-public-debt@9b01b30ad483 (news-probe-results.json: 政务要闻, validated).
Region code: NBS 2023 统计用区划代码.
"""

from govcrawl.region import Region
from govcrawl.spiders.platforms.yn_pc import YnPcSpider


class YnGuangnanSpider(YnPcSpider):
    name = "yn_guangnan"
    chinese_name = "广南县人民政府"
    region = Region("532627", "云南省", "文山壮族苗族自治州", "广南县")
    allowed_domains = ["www.yngn.gov.cn"]
    channels = {
        "政务要闻": "https://www.yngn.gov.cn/gnxrmzf/zwyw/pc/list.html",
    }
