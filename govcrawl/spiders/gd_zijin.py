"""紫金县人民政府门户网站 (Zijin County, Heyuan, Guangdong).

Source: ../shared/portals/county_portals.csv, rows for 紫金县 (441621), taken from
anyi-econ/china-public-debt@9b01b30ad483 (news-probe-results.json: 政务动态, validated;
website-policy.ts: 政策法规). Region code: NBS 2023 统计用区划代码.
"""

from govcrawl.region import Region
from govcrawl.spiders.platforms.gd_jyh import GdJyhSpider


class GdZijinSpider(GdJyhSpider):
    name = "gd_zijin"
    chinese_name = "紫金县人民政府"
    region = Region("441621", "广东省", "河源市", "紫金县")
    allowed_domains = ["www.zijin.gov.cn"]
    channels = {
        "政务动态": "http://www.zijin.gov.cn/xw/zwdt/index.html",
        "政策法规": "http://www.zijin.gov.cn/zw/zcfg/index.html",
    }
