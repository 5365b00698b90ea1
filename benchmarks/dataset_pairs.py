"""Constructed repost pairs for tuning and testing `govcrawl.dataset.reposts`.

Every text here is written for this project (no real page is copied): news bodies, the
headers and footers portals wrap a repost in, and notices that share one template but say
different things. `labelled_pairs()` yields (text_a, text_b, is_repost).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

ARTICLES = [
    "11月20日，县农业农村局组织技术人员深入各乡镇，开展秋冬种生产技术指导服务。\n"
    "技术人员走进田间地头，围绕油菜育苗移栽、小麦适期播种、病虫害绿色防控等内容，"
    "面对面为种植户答疑解惑，并发放技术资料三千余份。\n"
    "据了解，今年全县计划完成秋冬种面积十二万亩，目前已完成八成以上，"
    "各项工作有序推进。下一步，县农业农村局将持续加强技术服务，确保明年夏粮丰收。",
    "为进一步提升群众办事满意度，县政务服务中心近日推出“周末不打烊”延时服务。\n"
    "每周六上午九时至十二时，不动产登记、社保医保、户籍办理等二十三个高频事项窗口"
    "照常受理业务，为上班族和外出务工人员提供便利。\n"
    "服务推出首月，中心共办理各类业务一千二百余件，群众反响良好。中心负责人表示，"
    "将根据群众需求动态调整服务事项，持续优化营商环境。",
    "近日，县应急管理局联合消防救援大队在城区某商业综合体开展消防应急疏散演练。\n"
    "演练模拟商场三楼餐饮区发生火情，商场工作人员迅速启动应急预案，"
    "引导顾客沿安全通道有序撤离，微型消防站队员第一时间处置初期火灾。\n"
    "演练结束后，消防救援人员现场讲解了灭火器使用方法和火场逃生要点。"
    "此次演练检验了企业应急处置能力，增强了从业人员的消防安全意识。",
    "11月以来，县教育局组织开展中小学校食品安全专项检查，覆盖全县八十六所学校食堂。\n"
    "检查组重点查看食品原料采购索证索票、食品贮存、加工操作、餐具清洗消毒和留样等环节，"
    "对发现的问题当场反馈、限期整改。\n"
    "县教育局要求各学校严格落实校长陪餐制度，守牢师生“舌尖上的安全”，"
    "并将检查结果纳入学校年度目标考核。",
    "日前，县文化馆举办“非遗进校园”系列活动，邀请剪纸、竹编和花灯制作等项目传承人"
    "走进县第二实验小学。\n传承人现场演示技艺，手把手指导学生完成作品，"
    "孩子们在动手实践中感受传统文化的魅力。\n本学期活动将走进全县十五所中小学，"
    "预计惠及学生五千余人次，推动非物质文化遗产保护传承后继有人。",
    "县人力资源和社会保障局近日在人民广场举办冬季大型招聘会，共有一百二十家企业参会，"
    "提供制造、物流、电商、家政等岗位三千八百余个。\n"
    "招聘会现场设立政策咨询、职业指导和技能培训报名等服务台，为求职者提供一站式服务。"
    "当天共有两千余名求职者进场，初步达成就业意向六百余人。\n"
    "县人社局表示，将持续开展线上线下招聘活动，帮助重点群体实现稳定就业。",
]

HEADERS = [
    "来源：市人民政府网\n发布时间：2024-11-22 09:30",
    "【字体：大 中 小】\n信息来源：县融媒体中心\n浏览次数：",
    "转自：市政府办公室\n分享到：",
]
FOOTERS = [
    "责任编辑：李明\n主办单位：某县人民政府办公室 网站标识码：4400000000 ICP备00000000号",
    "（编辑：王芳 审核：陈刚）\n扫一扫在手机打开当前页\n【打印本页】【关闭窗口】",
    "监审：赵强\n技术支持：某信息技术有限公司 联系电话：0000-0000000",
]

# Notices on one template: the same framing, different substance.
NOTICE_TEMPLATE = (
    "各乡镇人民政府，县直各单位：\n"
    "为深入贯彻落实上级有关工作部署，进一步规范工作流程，提高工作质量和效率，"
    "经县人民政府同意，现将有关事项通知如下：\n"
    "{substance}\n"
    "请各单位高度重视，明确责任分工，认真组织实施，确保各项工作落到实处。"
    "工作中遇到的问题请及时向县政府办公室报告。\n"
    "特此通知。"
)
NOTICE_SUBSTANCES = [
    "一、开展年度安全生产大检查。各单位要对辖区内危险化学品、建筑施工、道路交通等重点行业"
    "进行全面排查，建立隐患台账，于十二月十五日前完成整改。",
    "二、做好冬春季节森林防火工作。自十二月一日起进入森林防火紧要期，严禁野外用火，"
    "各护林站点实行二十四小时值班，发现火情立即报告并组织扑救。",
    "三、组织实施农村饮水安全巩固提升工程。年内完成十二处集中供水工程改造，"
    "新建管网四十公里，解决三万余名群众饮水水质问题。",
    "四、开展第五次全国经济普查入户登记。普查员须持证上岗，"
    "逐户核实单位名称、从业人员和营业收入等信息，确保数据真实准确。",
]


def repost(text: str, variant: int) -> str:
    """The text as another portal shows it: its own header and footer lines, and the
    paragraphs re-typeset (indents, full-width spaces)."""
    body = "\n".join("\u3000\u3000" + line for line in text.split("\n"))
    return f"{HEADERS[variant % len(HEADERS)]}\n{body}\n{FOOTERS[variant % len(FOOTERS)]}"


def notices() -> list[str]:
    return [NOTICE_TEMPLATE.format(substance=s) for s in NOTICE_SUBSTANCES]


def labelled_pairs() -> Iterator[tuple[str, str, bool]]:
    """Reposts of each article (3 wrappers each, and two reposts of one another), then
    every pair of different articles and every pair of different notices."""
    for text in ARTICLES:
        for variant in range(len(HEADERS)):
            yield text, repost(text, variant), True
        yield repost(text, 0), repost(text, 1), True
    for a, b in itertools.combinations(ARTICLES, 2):
        yield a, b, False
    for a, b in itertools.combinations(notices(), 2):
        yield a, b, False
    for a, b in itertools.combinations(notices(), 2):
        yield repost(a, 0), repost(b, 1), False
