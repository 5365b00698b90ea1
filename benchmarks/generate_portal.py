"""Generate a large recorded portal on the Guangdong 集约化 template, for the crawl benchmarks.

The pages follow the structure of our replica
`govcrawl/replay/replicas/gd_zijin/pages/www.zijin.gov.cn/`
(national meta block, top bar, nav, breadcrumb `.position`, list `ul.news-list > li` with
`@title` and a date, pager `#pagination` with 首页/上一页/numbers/下一页/尾页/共N页 and
`var pageCount`, headline `#ScDetailTitle`, info line `.desc`, body `#zoomcon`, tools, share
bar, 上一篇/下一篇, 相关文章, footer), filled with Chinese text composed here from phrase lists
written for this benchmark (seeded, so a given `--seed` always gives the same site).

Portal facts: 新兴县 (云浮市, 广东, region 445321), host `www.xinxing.gov.cn`, column
新兴要闻 `http://www.xinxing.gov.cn/xxxrmzf/xxdt/xxyw/index.html`, from
../shared/portals/county_portals.csv (row for 新兴县, platform gd-jyh, source
anyi-econ/china-public-debt@9b01b30ad483 news-probe-results.json, validated). The section
label 新兴动态, the site code, the footer numbers and every article are invented.

Layout: `<out>/<PORTAL>/pages/<HOST>/…`, which the replay server serves as a root and nginx as
a plain docroot (`root <out>/<PORTAL>/pages/$host`). Listing pages `index.html`,
`index_2.html` … hold 20 items each; articles are `content/post_<id>.html` of 30–55 KB.

    python benchmarks/generate_portal.py --articles 10000 --out /tmp/govcrawl-bench/site
"""

from __future__ import annotations

import argparse
import json
import random
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from html import escape
from pathlib import Path

PORTAL = "bench_xinxing"
HOST = "www.xinxing.gov.cn"
CHANNEL = "新兴要闻"
COLUMN_PATH = "/xxxrmzf/xxdt/xxyw/"
LISTING_URL = f"http://{HOST}{COLUMN_PATH}index.html"
SITE_NAME = "新兴县人民政府门户网站"
SITE_CODE = "4453210002"
PER_PAGE = 20
MIN_BYTES, MAX_BYTES = 30_000, 55_000
NEWEST = date(2024, 12, 30)
FIRST_ID = 1_000_000

# --- phrase lists (written for this benchmark) -------------------------------------------

TOWNS = (
    "东岗镇 南川镇 西溪镇 北坪镇 云岭镇 禾田镇 青石镇 龙湾镇 河口镇 城北街道 城南街道 太和镇"
).split()
DEPARTMENTS = (
    "县发展和改革局 县教育局 县卫生健康局 县农业农村局 县住房和城乡建设局 县市场监督管理局 "
    "县应急管理局 县水务局 县自然资源局 县人力资源和社会保障局 县民政局 县交通运输局 "
    "县文化广电旅游体育局 县工业和信息化局 县财政局 县医疗保障局 县退役军人事务局"
).split()
TOPICS = (
    "乡村振兴 安全生产 营商环境 防汛防旱 森林防火 基层治理 高标准农田建设 城乡环境整治 "
    "重点项目建设 民生实事 河长制 文明城市创建 就业帮扶 义务教育 医疗卫生服务 食品安全 "
    "消防安全 招商引资 数字政府建设 耕地保护 农村饮水安全 养老服务 产业园区建设 "
    "生态环境保护 矛盾纠纷排查化解 电动自行车安全 冬春农田水利建设 农产品质量安全"
).split()
ACTIONS = (
    "召开{t}工作推进会 开展{t}专项检查 部署{t}重点工作 举办{t}业务培训班 "
    "召开{t}联席会议 开展{t}集中宣传活动 推进{t}攻坚行动 组织{t}现场观摩会 "
    "督导检查{t}工作 开展{t}“回头看”行动"
).split()
OPENINGS = (
    "{d}，{who}{act}，{goal}。",
    "为进一步做好{t}工作，{d}，{who}{act}。",
    "{d}上午，{who}在{town}{act}，{lead}出席并讲话。",
    "近日，{who}联合{who2}{act}，{goal}。",
)
SENTENCES = (
    "会议指出，{t}事关群众切身利益，各单位要提高政治站位，切实增强责任感和紧迫感。",
    "会议强调，要坚持问题导向，聚焦{t}中的薄弱环节，逐项制定整改措施，确保按期完成。",
    "{who}负责人通报了今年以来全县{t}工作进展情况，并对下一阶段工作作了具体安排。",
    "检查组先后深入{town}、{town2}等地，实地查看了{place}，详细了解{t}落实情况。",
    "截至目前，全县已累计完成投资{n}万元，完成年度计划的{pct}%，各项指标稳中有进。",
    "活动现场设置咨询台{k}个，发放宣传资料{n}份，解答群众咨询{k2}人次。",
    "下一步，{who}将持续加大{t}工作力度，健全长效机制，推动各项任务落地见效。",
    "各镇（街道）要压实属地责任，对排查发现的问题建立台账，实行清单式管理、销号式整改。",
    "培训采取专题授课与现场教学相结合的方式，参训人员表示收获很大、很受启发。",
    "{lead}要求，要强化部门协同，加强督导检查，对工作不力、进度滞后的单位及时通报。",
    "据了解，今年全县共安排{t}项目{k}个，其中新开工{k2}个，续建{k3}个。",
    "{town}以{t}为抓手，创新工作方法，探索形成了一批可复制、可推广的经验做法。",
    "群众纷纷表示，{t}工作做到了心坎上，大家的获得感、幸福感、安全感不断增强。",
    "会上，{who}、{who2}等单位作了交流发言，分别汇报了本单位{t}工作开展情况。",
    "此次行动共出动执法人员{k}人次，检查经营主体{n}家，发现并整改问题隐患{k2}处。",
    "{who}将以此次活动为契机，进一步完善服务体系，提升服务质量和效率。",
)
SUBHEADS = "一、提高思想认识 二、突出工作重点 三、强化工作保障 四、狠抓责任落实".split()
PLACES = (
    "在建项目工地 农村生活污水处理设施 镇村卫生院 防洪堤围 农贸市场 中小学校 敬老院 企业生产车间"
).split()
LEADS = "副县长 县政府党组成员 县委常委、常务副县长 县人大常委会副主任".split()
EDITORS = "陈丽华 梁志强 黄小燕 吴建国 罗美玲 何俊杰 苏文清 邓海涛 冯晓琳 卢国平".split()
SUFFIXES = ("", "", "", " 确保各项任务落到实处", " 全力推动高质量发展", " 守护群众平安")


def _fill(template: str, rng: random.Random, topic: str) -> str:
    town, town2 = rng.sample(TOWNS, 2)
    who, who2 = rng.sample(DEPARTMENTS, 2)
    return template.format(
        t=topic,
        d=f"{rng.randint(1, 12)}月{rng.randint(1, 28)}日",
        who=who,
        who2=who2,
        town=town,
        town2=town2,
        lead=rng.choice(LEADS),
        place=rng.choice(PLACES),
        act=rng.choice(ACTIONS).format(t=topic),
        goal=f"进一步推动{topic}各项工作落细落实",
        n=rng.randint(120, 98000),
        pct=rng.randint(35, 99),
        k=rng.randint(3, 40),
        k2=rng.randint(2, 300),
        k3=rng.randint(1, 30),
    )


# --- articles --------------------------------------------------------------------------


def article_id(index: int, count: int) -> int:
    """Post id of the `index`-th newest article: newer articles have larger ids."""
    return FIRST_ID + (count - index) * 3 + index % 3


def article_date(index: int) -> date:
    return NEWEST - timedelta(days=(index * 3) // 10)


def article_url(post_id: int) -> str:
    return f"http://{HOST}{COLUMN_PATH}content/post_{post_id}.html"


def topic_and_headline(index: int, seed: int) -> tuple[str, str]:
    """The topic and the headline of the `index`-th newest article."""
    rng = random.Random(seed * 1_000_003 + index)
    topic = rng.choice(TOPICS)
    who = rng.choice([*DEPARTMENTS, *TOWNS, "新兴县", "新兴县"])
    return topic, who + rng.choice(ACTIONS).format(t=topic) + rng.choice(SUFFIXES)


def headline(index: int, seed: int) -> str:
    return topic_and_headline(index, seed)[1]


def _body(rng: random.Random, topic: str, title: str, target_bytes: int, post_id: int) -> str:
    parts = [f"<p>　　{escape(_fill(rng.choice(OPENINGS), rng, topic))}</p>"]
    size, heads = len(parts[0].encode()), iter(SUBHEADS)
    while size < target_bytes:
        roll = rng.random()
        if roll < 0.05 and (head := next(heads, None)):
            part = f'<p style="text-align: center;"><strong>{head}</strong></p>'
        elif roll < 0.08:
            caption = f"{title}现场"
            part = (
                f'<p style="text-align: center;"><img src="/attachment/0/{post_id // 1000}/'
                f'{post_id}_{size}.jpg" alt="{escape(caption)}" border="0"></p>\n'
                f'<p style="text-align: center;">{escape(caption)}</p>'
            )
        elif roll < 0.10:
            rows = "".join(
                f"<tr><td>{rng.choice(TOWNS)}</td><td>{rng.randint(3, 90)}</td>"
                f"<td>{rng.randint(40, 100)}%</td></tr>"
                for _ in range(rng.randint(3, 8))
            )
            part = f"<table><tr><td>单位</td><td>项目数</td><td>完成率</td></tr>{rows}</table>"
        else:
            sentences = [_fill(rng.choice(SENTENCES), rng, topic) for _ in range(rng.randint(2, 5))]
            part = f"<p>　　{escape(''.join(sentences))}</p>"
        parts.append(part)
        size += len(part.encode())
    if rng.random() < 0.3:
        author, photographer = rng.sample(EDITORS, 2)
        parts.append(f'<p style="text-align: right;">作者：{author}　摄影：{photographer}</p>')
    parts.append(f"<p>（责任编辑：{rng.choice(EDITORS)}）</p>")
    return "\n".join(parts)


def _head(title: str, extra_meta: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge,chrome=1">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{escape(title)}-{SITE_NAME}</title>
<meta name="SiteName" content="{SITE_NAME}">
<meta name="SiteDomain" content="{HOST}">
<meta name="SiteIDCode" content="{SITE_CODE}">
<meta name="ColumnName" content="{CHANNEL}">
<meta name="ColumnType" content="新闻动态">
{extra_meta}<link rel="stylesheet" href="/css/common.css">
<link rel="stylesheet" href="/css/style.css">
<script src="/js/jquery.min.js"></script>
</head>
<body>
<div class="topbar">
<div class="w1200 clearfix">
<span class="welcome">欢迎访问{SITE_NAME}！</span>
<div class="topbar-r">
<a href="javascript:void(0);" id="StranLink">繁体版</a>
<a href="javascript:void(0);" class="wza">无障碍</a>
<a href="javascript:void(0);" class="zzms">长者模式</a>
<a href="http://www.yunfu.gov.cn/" target="_blank">云浮市人民政府</a>
<a href="http://www.gd.gov.cn/" target="_blank">广东省人民政府</a>
</div>
</div>
</div>
<div class="header">
<div class="w1200 clearfix">
<div class="logo"><a href="/"><img src="/images/logo.png" alt="{SITE_NAME}"></a></div>
<div class="search"><form action="/search/index.html" method="get" target="_blank"><input type="text" name="keywords" class="s-input" placeholder="请输入关键字"><input type="submit" value="搜索" class="s-btn"></form></div>
</div>
</div>
<div class="nav">
<ul class="w1200 clearfix">
<li><a href="/">首页</a>
</li>
<li class="on"><a href="/xxxrmzf/xxdt/">新兴动态</a>
<div class="subnav"><a href="{COLUMN_PATH}">{CHANNEL}</a><a href="/xxxrmzf/xxdt/bmdt/">部门动态</a><a href="/xxxrmzf/xxdt/zjdt/">镇街动态</a><a href="/xxxrmzf/xxdt/tzgg/">通知公告</a><a href="/xxxrmzf/xxdt/tpxw/">图片新闻</a></div>
</li>
<li><a href="/xxxrmzf/zwgk/">政务公开</a>
<div class="subnav"><a href="/gkmlpt/index">政府信息公开</a><a href="/xxxrmzf/zwgk/zcfg/">政策法规</a><a href="/xxxrmzf/zwgk/zcjd/">政策解读</a><a href="/xxxrmzf/zwgk/rsxx/">人事信息</a><a href="/xxxrmzf/zwgk/czzj/">财政资金</a></div>
</li>
<li><a href="/xxxrmzf/zwfw/">政务服务</a>
<div class="subnav"><a href="/xxxrmzf/zwfw/grbs/">个人办事</a><a href="/xxxrmzf/zwfw/frbs/">法人办事</a><a href="/xxxrmzf/zwfw/bmfw/">便民服务</a></div>
</li>
<li><a href="/xxxrmzf/hdjl/">互动交流</a>
<div class="subnav"><a href="/xxxrmzf/hdjl/xzxx/">县长信箱</a><a href="/xxxrmzf/hdjl/wsdc/">网上调查</a><a href="/xxxrmzf/hdjl/zxft/">在线访谈</a></div>
</li>
</ul>
</div>
<div class="main w1200 clearfix">
<div class="position">您当前的位置: <a href="/">首页</a>&nbsp;&gt;&nbsp;<a href="/xxxrmzf/xxdt/">新兴动态</a>&nbsp;&gt;&nbsp;<a href="{COLUMN_PATH}">{CHANNEL}</a></div>
"""  # noqa: E501 - the template, as served


FOOTER = f"""<div class="footer">
<div class="w1200 clearfix">
<div class="dzjg"><a href="http://bszs.conac.cn/sitename?method=show&amp;id=7B2D3F8A4C0E5A32F064123920BD8F4C" target="_blank"><img src="/images/red.png" alt="党政机关"></a></div>
<div class="footer-links"><a href="/wzdt/">网站地图</a> | <a href="/lxwm/">联系我们</a> | <a href="/wzsm/">网站声明</a></div>
<p>主办单位：新兴县人民政府办公室　承办单位：新兴县政务服务数据管理局</p>
<p>网站标识码：{SITE_CODE}　<a href="https://beian.miit.gov.cn/" target="_blank">粤ICP备06113528号</a>　<a href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=44532102000047" target="_blank"><img src="/images/ga.png" alt="">粤公网安备 44532102000047号</a></p>
<p>技术支持：数字广东网络建设有限公司　联系电话：0766-2882000</p>
<div class="jiucuo"><script id="_jiucuo_" sitecode='{SITE_CODE}' src='https://zfwzgl.www.gov.cn/exposure/jiucuo.js'></script></div>
</div>
</div>
<script src="/js/common.js"></script>
</body>
</html>
"""  # noqa: E501 - the template, as served


def _link_item(index: int, count: int, seed: int, absolute: bool = False) -> str:
    post_id, title = article_id(index, count), headline(index, seed)
    href = (
        f"{COLUMN_PATH}content/post_{post_id}.html"
        if absolute
        else f"./content/post_{post_id}.html"
    )
    shown = title if len(title) <= 24 else title[:23] + "…"
    return (
        f'<li><a href="{href}" title="{escape(title)}" target="_blank">{escape(shown)}</a>'
        f"<span>{article_date(index).isoformat()}</span></li>"
    )


def _neighbour(index: int, count: int, seed: int) -> str:
    """上一篇/下一篇 link, or 没有了 at either end of the column."""
    if not 0 <= index < count:
        return "<span>没有了</span>"
    return f'<a href="./post_{article_id(index, count)}.html">{escape(headline(index, seed))}</a>'


def article_page(index: int, count: int, seed: int) -> tuple[str, bytes]:
    """File path (relative to the host folder) and bytes of the `index`-th newest article."""
    rng = random.Random(seed * 7_919 + index)
    post_id, shown = article_id(index, count), article_date(index)
    topic, title = topic_and_headline(index, seed)
    timed = rng.random() < 0.4
    clock = f" {rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}" if timed else ""
    source = "本网" if rng.random() < 0.6 else rng.choice(DEPARTMENTS)
    meta = (
        f'<meta name="ArticleTitle" content="{escape(title)}">\n'
        f'<meta name="PubDate" content="{shown.isoformat()}{clock or " 09:30"}">\n'
        f'<meta name="ContentSource" content="{escape(source)}">\n'
        f'<meta name="Keywords" content="{topic}">\n'
        f'<meta name="Author" content="">\n'
        f'<meta name="Description" content="{escape(title)}">\n'
        f'<meta name="Url" content="{article_url(post_id)}">\n'
    )
    target = rng.randint(MIN_BYTES, MAX_BYTES) - 7_000  # the template's own bytes
    body = _body(rng, topic, title, target, post_id)
    related = "\n".join(
        _link_item(min(count - 1, index + k), count, seed, absolute=True) for k in (1, 2, 3)
    )
    newer = _neighbour(index - 1, count, seed)
    older = _neighbour(index + 1, count, seed)
    zoom = "".join(
        f'<a href="javascript:void(0);" onclick="doZoom({n})">{label}</a> '
        for n, label in ((20, "大"), (16, "中"), (14, "小"))
    )
    html = f"""{_head(title, meta)}<div class="article">
<h1 class="content_title" id="ScDetailTitle">{escape(title)}</h1>
<div class="desc"><span class="time">发布时间：{shown.isoformat()}{clock}</span><span class="source">来源：{escape(source)}</span><span class="hits">阅读人次：<span id="hitcount_{post_id}">-</span></span><span class="zoom">【字体：{zoom.strip()}】</span></div>
<div class="article-content" id="zoomcon">
{body}
</div>
<div class="article-tools clearfix">
<div class="tools-l"><a href="javascript:window.print();" class="print">打印本页</a> <a href="javascript:window.close();" class="close">关闭窗口</a></div>
<div class="bdsharebuttonbox"><span class="share-label">分享到：</span><a href="#" class="bds_weixin" data-cmd="weixin" title="分享到微信"></a><a href="#" class="bds_tsina" data-cmd="tsina" title="分享到新浪微博"></a><a href="#" class="bds_qzone" data-cmd="qzone" title="分享到QQ空间"></a></div>
<div class="qrcode"><div id="qrcode_{post_id}"></div><p>扫一扫在手机打开当前页</p></div>
</div>
<div class="prevnext">
<p>上一篇：{newer}</p>
<p>下一篇：{older}</p>
</div>
<div class="related">
<div class="related-hd">相关文章</div>
<ul>
{related}
</ul>
</div>
</div>
</div>
<script>
$(function () {{
  $.getJSON("/visit/count?id={post_id}", function (d) {{ $("#hitcount_{post_id}").text(d.count); }});
}});
window._bd_share_config = {{"common": {{"bdText": "", "bdMini": "2", "bdStyle": "0", "bdSize": "24"}}, "share": {{}}}};
</script>
{FOOTER}"""  # noqa: E501 - the template, as served
    return f"{COLUMN_PATH.lstrip('/')}content/post_{post_id}.html", html.encode("utf-8")


def _pager(page: int, pages: int) -> str:
    def name(n: int) -> str:
        return "index.html" if n == 1 else f"index_{n}.html"

    dead = 'href="javascript:void(0);" class="{0} disabled"'
    prev = dead.format("prev") if page == 1 else f'href="{name(page - 1)}" class="prev"'
    nxt = dead.format("next") if page == pages else f'href="{name(page + 1)}" class="next"'
    numbers = "\n".join(
        f'<span class="current">{n}</span>' if n == page else f'<a href="{name(n)}">{n}</a>'
        for n in range(max(1, page - 4), min(pages, page + 4) + 1)
    )
    return f"""<div class="pagination" id="pagination">
<a href="index.html" class="first">首页</a>
<a {prev}>上一页</a>
{numbers}
<a {nxt}>下一页</a>
<a href="{name(pages)}" class="last">尾页</a>
<span class="page-info">共{pages}页</span>
</div>
<script>
var pageCount = {pages};
var currentPage = {page};
</script>"""


def listing_page(page: int, count: int, seed: int) -> tuple[str, bytes]:
    """File path and bytes of listing page `page` (1-based) of a column of `count` articles."""
    pages = -(-count // PER_PAGE)
    items = "\n".join(
        _link_item(i, count, seed)
        for i in range((page - 1) * PER_PAGE, min(count, page * PER_PAGE))
    )
    hot = "\n".join(_link_item(i, count, seed, absolute=True) for i in range(min(count, 5)))
    html = f"""{_head(CHANNEL, "")}<div class="list-left">
<div class="col-title">新兴动态</div>
<ul class="col-list">
<li class="on"><a href="{COLUMN_PATH}">{CHANNEL}</a></li>
<li><a href="/xxxrmzf/xxdt/bmdt/">部门动态</a></li>
<li><a href="/xxxrmzf/xxdt/zjdt/">镇街动态</a></li>
<li><a href="/xxxrmzf/xxdt/tzgg/">通知公告</a></li>
</ul>
<div class="side-box hot">
<div class="side-hd">热点信息</div>
<ul>
{hot}
</ul>
</div>
</div>
<div class="list-right">
<div class="list-hd"><span>{CHANNEL}</span></div>
<div class="list-bd">
<ul class="news-list">
{items}
</ul>
</div>
{_pager(page, pages)}
</div>
</div>
{FOOTER}"""
    name = "index.html" if page == 1 else f"index_{page}.html"
    return f"{COLUMN_PATH.lstrip('/')}{name}", html.encode("utf-8")


def _write_articles(host_dir: Path, start: int, stop: int, count: int, seed: int) -> int:
    written = 0
    for index in range(start, stop):
        rel, data = article_page(index, count, seed)
        (host_dir / rel).write_bytes(data)
        written += len(data)
    return written


def generate(out: Path, articles: int, seed: int = 1, workers: int = 2) -> Path:
    """Write the portal under `out` and return its host folder."""
    host_dir = out / PORTAL / "pages" / HOST
    (host_dir / COLUMN_PATH.lstrip("/") / "content").mkdir(parents=True, exist_ok=True)
    (host_dir / "robots.txt").write_text(
        "User-agent: *\nDisallow: /search/\nDisallow: /manage/\nDisallow: /visit/\n", "utf-8"
    )
    for page in range(1, -(-articles // PER_PAGE) + 1):
        rel, data = listing_page(page, articles, seed)
        (host_dir / rel).write_bytes(data)
    chunk = 2_000
    with ProcessPoolExecutor(max_workers=workers) as pool:
        sizes = pool.map(
            _write_articles,
            *zip(
                *[
                    (host_dir, s, min(articles, s + chunk), articles, seed)
                    for s in range(0, articles, chunk)
                ],
                strict=True,
            ),
        )
        total = sum(sizes)
    (out / PORTAL / "site.json").write_text(
        json.dumps(
            {
                "articles": articles,
                "seed": seed,
                "host": HOST,
                "listing": LISTING_URL,
                "article_bytes": total,
            },
            ensure_ascii=False,
        ),
        "utf-8",
    )
    return host_dir


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/govcrawl-bench/site"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    host_dir = generate(args.out, args.articles, args.seed, args.workers)
    print(f"{args.articles} articles under {host_dir}")


if __name__ == "__main__":
    main()
