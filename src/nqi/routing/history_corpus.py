"""Synthetic dispatch history (request text, service line chosen by the dispatcher) for a fresh demo.

The routing classifier learns from what dispatchers chose for past requests. A new installation has none,
so this module writes plausible ones: Guangxi enterprises (螺蛳粉, 制糖, 饮用水, 铝加工, 工程机械, 汽车零部件,
六堡茶, 胶合板 ...) asking in their own words, built from templates with random context, secondary needs,
typos, and a little label noise (dispatchers are not always right). The evaluation set in
benchmarks/data/routing_eval.jsonl is written by hand and is deliberately not produced here.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

LINES = ("metrology", "standards", "testing", "certification", "ip", "quality_mgmt", "special_equipment")

CITIES = ("南宁", "柳州", "桂林", "梧州", "北海", "防城港", "钦州", "贵港", "玉林", "百色", "贺州", "河池", "来宾", "崇左")
DISTRICTS = ("鱼峰区", "柳南区", "柳江区", "西乡塘区", "江南区", "良庆区", "临桂区", "苍梧县", "横州市", "容县", "北流市",
             "平南县", "田东县", "宜州区", "象州县", "扶绥县", "合浦县", "灵山县", "")
COMPANY_KINDS = ("小厂", "加工厂", "食品厂", "有限公司", "合作社", "作坊", "企业", "工厂", "商行", "个体户", "公司")

FOOD_PRODUCTS = (
    "螺蛳粉", "袋装螺蛳粉", "螺蛳粉料包", "酸笋", "米粉", "干米粉", "桂林米粉", "老友粉", "腐竹", "六堡茶", "茉莉花茶", "绿茶",
    "红茶", "白砂糖", "红糖", "赤砂糖", "包装饮用水", "桶装水", "山泉水", "矿泉水", "罗汉果", "罗汉果茶", "沙田柚", "百香果果酱",
    "芒果干", "蜂蜜", "米酒", "三花酒", "辣椒酱", "黄皮酱", "腊肠", "腊肉", "月饼", "龟苓膏", "凉茶", "木薯淀粉", "海鸭蛋",
    "蚝油", "酸奶", "水牛奶", "复合调味料", "酸辣粉", "糕点", "饼干", "果汁饮料", "茶油", "香米",
)
INDUSTRIAL_PRODUCTS = (
    "铝型材", "铝合金门窗型材", "铝板带", "铝箔", "挖掘机", "装载机", "液压油缸", "柴油机", "刹车片", "轮毂", "减震器", "线束",
    "胶合板", "生态板", "刨花板", "细木工板", "板式家具", "瓷砖", "水泥", "钢筋", "电线电缆", "插座", "充电器",
    "LED灯", "电动自行车", "锂电池", "坭兴陶", "日用陶瓷", "塑料包装袋", "食品包装袋", "口罩", "童装", "儿童玩具",
    "电热水壶", "电风扇", "不锈钢餐具", "化妆品", "洗涤剂", "复合肥", "饲料", "桑蚕丝", "木门", "光伏组件", "紧固件",
)
FOOD_TEST_ITEMS = (
    "菌落总数", "大肠菌群", "霉菌", "沙门氏菌", "金黄色葡萄球菌", "商业无菌", "亚硝酸盐", "防腐剂", "山梨酸", "苯甲酸",
    "脱氢乙酸", "甜蜜素", "二氧化硫", "铅", "镉", "总砷", "农药残留", "黄曲霉毒素", "过氧化值", "酸价", "水分", "灰分",
    "蛋白质", "营养成分", "溴酸盐", "余氯", "浑浊度", "蔗糖分", "色值", "致病菌", "兽药残留", "塑化剂",
)
INDUSTRIAL_TEST_ITEMS = (
    "抗拉强度", "屈服强度", "硬度", "膜厚", "盐雾试验", "化学成分", "甲醛释放量", "胶合强度", "含水率", "静曲强度",
    "绝缘电阻", "耐电压", "温升", "电磁兼容", "跌落试验", "阻燃性能", "尺寸偏差", "疲劳试验", "耐磨性", "色牢度", "放射性",
    "老化试验", "TVOC", "导体电阻", "附着力", "冲击试验", "耐候性",
)
FOOD_SYMPTOMS = ("胀袋", "涨袋", "发霉", "酸败", "有异味", "变色", "沉淀", "保质期太短", "口感不稳定", "长白点", "哈喇味",
                 "漏气", "结块", "出水")
INDUSTRIAL_SYMPTOMS = ("开裂", "起泡", "生锈", "开胶", "变形", "异响", "尺寸超差", "掉色", "氧化发黑", "起皮",
                       "断裂", "发热严重", "色差大")
INSTRUMENTS = (
    "电子秤", "电子计价秤", "台秤", "地磅", "汽车衡", "天平", "分析天平", "砝码", "加油机", "压力表", "温度计", "温湿度计",
    "流量计", "水表", "电能表", "燃气表", "游标卡尺", "千分尺", "百分表", "量块", "三坐标测量机", "硬度计", "拉力机",
    "扭力扳手", "测厚仪", "糖度计", "分光光度计", "热电偶", "压力变送器", "出租车计价器", "血压计",
    "液相色谱仪", "恒温培养箱", "密度计", "酒精计", "塞规", "吊秤", "加气机", "温度记录仪",
    "高度规", "粗糙度仪", "移液器", "声级计", "照度计", "万用表", "兆欧表", "称重传感器", "皮带秤", "充电桩",
    "可燃气体报警器", "水准仪", "红外测温仪", "高低温试验箱", "钢卷尺", "扭矩测试仪",
)
SYSTEM_CERTS = ("ISO9001", "ISO22000", "HACCP", "ISO14001", "ISO45001", "IATF16949", "ISO13485",
                "能源管理体系", "质量管理体系认证", "食品安全管理体系认证", "ISO50001")
PRODUCT_CERTS = ("3C认证", "CCC认证", "3c", "强制性产品认证", "有机产品认证", "有机认证", "绿色食品认证", "FSC认证",
                 "CE认证", "节能认证", "GAP认证", "CQC自愿认证", "富硒认证")
LICENCES = ("SC证", "食品生产许可证", "工业产品生产许可证", "生产许可证", "CMA资质认定", "CMA", "CNAS认可", "实验室认可")
EQUIPMENT = (
    "电梯", "乘客电梯", "货梯", "自动扶梯", "锅炉", "燃气锅炉", "生物质锅炉", "蒸汽锅炉", "导热油炉", "压力容器", "储气罐",
    "杀菌锅", "反应釜", "蒸压釜", "压力管道", "蒸汽管道", "起重机", "行车", "桥式起重机", "门式起重机", "塔吊", "施工升降机",
    "叉车", "观光车", "游乐设施", "过山车", "气瓶", "氧气瓶", "安全阀", "客运索道", "储罐",
    "夹层锅", "蒸汽锅", "乙炔瓶", "电动葫芦",
)
STANDARDS = (
    "GB 2760", "GB 2762", "GB 2763", "GB 19298", "GB 8537", "GB/T 5237", "GB/T 9846", "GB 18580",
    "GB/T 19580", "GB 317", "GB 7588", "GB 4806", "GB 14881", "GB 28050", "GB/T 22165", "DB45/T", "GB 17761", "GB 4706",
)
# Standards of export customers' countries, as enterprises quote them.
FOREIGN_STANDARDS = ("EN 71", "IEC 60335", "JIS A 5908", "ASTM F963", "IEC 60227", "BS 1363", "EN 13432", "ASTM D4236",
                     "SAE J2530", "DIN 68705", "IEC 62133", "AS/NZS 3112")
TRADEMARK_NAMES = ("柳妹", "桂香", "壮乡", "八桂", "漓江", "金蔗", "茶船古道", "螺霸", "山水", "桂韵", "瑶山", "北部湾")

# One list of need phrases per service line. Slots: {food} {product} {ind} {food_item} {ind_item} {symptom}
# {isymptom} {instrument} {sys_cert} {prod_cert} {licence} {equipment} {standard} {foreign_std} {brand} {n}.
NEEDS: dict[str, tuple[str, ...]] = {
    "metrology": (
        "{instrument}需要检定，去哪里送", "{instrument}要做校准，能出校准证书吗", "我们的{instrument}称不准，误差有点大",
        "{instrument}检定证书过期了，要重新检", "{instrument}到期了要强检", "有{n}台{instrument}要周期检定",
        "{instrument}能不能上门校准", "想问{instrument}校准周期定多长合适", "{instrument}示值误差超了，要重新标定",
        "{food}净含量被抽查说不够，怎么控制", "{food}每袋重量忽多忽少，净含量老是不达标",
        "顾客投诉我们缺斤短两，{instrument}要去检一下", "审核要求测量设备计量溯源，{instrument}没有证书",
        "实验室的{instrument}要做量值溯源", "测量不确定度评定不会做",
        "新研制的{instrument}要办型式批准", "{instrument}校准 出证书 多少钱",
        "计量检定 {instrument} {n}台", "{instrument}检定和校准选哪个",
        "校验一下{instrument}准不准", "{instrument}的期间核查怎么做", "加油站{instrument}要年检", "{instrument}较准",
        "计量器具型式批准要交哪些资料", "预包装{food}净含量的计量要求", "需要{instrument}的量值溯源证明", "仪器设备校准，{instrument}和{instrument}",
        "{instrument}到期了要送检", "{n}个{instrument}统一送检，怎么预约", "{instrument}送去计量所检一下",
        "{sys_cert}审核，审核员说{instrument}没有校准记录", "外审要看{instrument}的检定证书，还没送",
        "{instrument}在不在强检目录里", "{instrument}被投诉不准，想找权威机构检一下",
        "{food_item}检测结果的测量不确定度怎么评定", "实验室的{instrument}要校准，{licence}评审要看证书",
    ),
    "standards": (
        "{product}有没有国家标准", "{product}的国标最新版是哪一版", "{standard}现在还有效吗",
        "{standard}是不是被替代了，新版什么时候实施", "想给{product}制定企业标准",
        "几家企业想一起起草{product}的团体标准", "{product}出口要符合哪些国外标准",
        "帮忙做个标准比对，国标和欧盟标准差在哪",
        "商品条码怎么申请", "{product}的行业标准在哪查",
        "{product}没有国标行标，可以用企标吗", "标准文本在哪里买", "对标达标 找差距 {product}", "{standard}和旧版有啥变化",
        "团体标准在哪个平台发布", "地方标准和国家标准冲突听哪个的", "{food}的食品安全地方标准",
        "{product}标准号是多少", "执行标准 {standard} 标签要怎么标", "企标备案 {product}", "想参与国家标准修订",
        "标准里的技术要求看不懂，能解读一下吗", "企业标准自我声明公开的步骤", "帮忙看看{product}适用哪些标准",
        "{product}出口前做一下国内外标准比对", "{standard}版本变更了，我们要做什么调整", "团体标准起草需要什么条件",
        "地方标准编写格式", "执行标准写错了",
        "新产品市场上还没有标准，检测机构说没有依据判定", "{product}没有标准可依，想先定个企业标准",
        "客户要求的指标比{standard}严，两边标准差多少", "{product}出口，国内标准和客户国家的要求对照一下",
        "{product}出口，客户要求按{foreign_std}，和国标有哪些不同", "{foreign_std}和{standard}哪个要求高",
        "{equipment}出口，国外标准和国内标准有什么不同", "{equipment}的新版国家标准对生产厂家有什么要求",
        "{food}的{food_item}限量标准是多少", "{food}出口，{food_item}限量值国内外对比一下",
    ),
    "testing": (
        "{food}要检测{food_item}", "{food}送检，测{food_item}和{food_item}", "{food}{symptom}，想化验一下是什么原因",
        "{food}{symptom}，是不是{food_item}超标了，送检看看", "{product}要出第三方检测报告", "{ind}检测{ind_item}",
        "{ind}要做{ind_item}和{ind_item}测试", "{ind}{isymptom}，想做个检测分析原因", "{product}全项检测多少钱",
        "{product}型式检验去哪做", "{food_item}检测几天出报告", "{product}抽检不合格，想申请复检",
        "{product}被抽查说{food_item}超标，不服要复检", "实验室能不能做{ind_item}", "{food}出口要检测哪些项目",
        "送样检测{product}", "{product}委托检验 费用", "{food}微生物检测", "测一下{food}的{food_item}",
        "{ind}的{ind_item}客户要第三方报告", "成分分析 {product}", "水质检测 {food_item}", "{food}保质期验证要做检测吗",
        "报告什么时候出，{product}送检一周了", "{product}出厂检验项目自己做不了，能外包吗", "检测机构推荐 {product}",
        "{food}{food_item}检测 急", "化验{food}", "{ind}送检 {ind_item}",
        "CMA报告和CNAS报告有什么区别，送检选哪种", "第三方检测机构怎么选，报告要有CMA章", "{ind}厂家，客户要{ind_item}检测报告",
        "我们生产{instrument}，产品要做{ind_item}试验", "{product}的{ind_item}测试报告哪里能出",
        "{product}出口，要按{foreign_std}做测试", "客户要{foreign_std}的测试报告",
    ),
    "certification": (
        "想办{sys_cert}", "{sys_cert}要准备多久，多少钱", "{product}要做{prod_cert}", "{prod_cert}流程怎么走",
        "怎么申请{licence}", "{licence}换证要重新审查吗", "{sys_cert}证书快到期了，换证审核", "{sys_cert}监督审核要准备什么",
        "{prod_cert}的工厂检查要准备啥", "认证机构怎么选，认证证书真假怎么查", "{food}想做{prod_cert}",
        "实验室想申请CMA资质认定", "{ind}出口欧洲要CE认证", "{sys_cert}和{sys_cert}一起办",
        "客户要求我们有{sys_cert}证书", "{licence}现场核查没通过", "{product}在不在3C目录里",
        "投标要{sys_cert}证书，最快多久拿证", "{prod_cert} 申请条件", "有机转换认证",
        "新开的{food}作坊要办{licence}", "{sys_cert}认证咨询", "检测机构想扩项，资质认定增加项目", "{sys_cert}转版",
        "认证费大概多少", "{ind}强制性产品认证", "出口美国要FDA注册",
        "{sys_cert}证书真伪在哪查", "认证证书是不是正规认证机构发的，怎么核实", "拿个{sys_cert}证书投标用",
        "ISO质量体系证 办下来要多久",
        "新成立的检测公司，没有CMA资质能不能出报告", "实验室先申请CMA资质认定，再申请CNAS认可", "{licence}审查没通过，整改后重新申请",
        "{product}的国标换版了，{prod_cert}证书要不要变更", "{prod_cert}证书被暂停，怎么恢复", "{prod_cert}证书变更要多久",
        "{food}小作坊登记证怎么办，和{licence}有什么不同", "食品经营许可证和{licence}是一回事吗",
        "{sys_cert}证书在官网查不到，是不是假证",
        "{product}出口要{prod_cert}，按{foreign_std}", "{product}要办防爆合格证",
    ),
    "ip": (
        "想注册商标“{brand}”", "商标注册被驳回，能复审吗", "网上有人卖假冒我们{product}的",
        "有人山寨我们的包装和牌子", "{product}的新结构想申请专利",
        "专利被人侵权了怎么维权", "品牌价值评价怎么参加",
        "申请老字号", "专利检索", "驰名商标认定", "商业秘密保护，配方被带走了",
        "商标在东南亚注册", "区域公用品牌授权使用", "专利年费", "商标近似怎么判断",
        "知识产权贯标", "{food}地标产品被外地冒用", "品牌建设，想把{food}做成知名品牌", "商标异议", "专利质押融资", "{brand}商标注册查询", "商标纠纷", "{food}地理标志保护申请",
        "专利申请代理", "品牌价值评估", "打击假冒{product}", "{brand}这个商标和别人撞了", "商标被侵权", "{product}外观专利申请",
        "{product}的包装设计被同行抄袭了，能起诉吗", "外观被人照抄，怎么维权", "被同行起诉专利侵权，怎么应诉",
        "离职员工泄露了技术秘密和客户名单",
    ),
    "quality_mgmt": (
        "产品合格率上不去，想做质量诊断",
        "抽检不合格被责令整改，整改报告怎么写", "QC小组活动怎么开展", "SPC控制图怎么用", "客户投诉要8D报告",
        "良品率低，{ind}{isymptom}，想请专家来厂里", "想导入精益生产和六西格玛", "品控人员培训",
        "来料检验怎么抽样", "质量成本核算", "每批{food}质量不稳定", "FMEA怎么做", "质量提升扶持政策",
        "返工率高，{ind}装配质量问题多", "{food}保质期想延长，工艺怎么改",
        "产品召回怎么处理", "质量信用等级提升",
        "请专家上门做质量诊断", "质量奖申报材料辅导", "按卓越绩效模式梳理管理", "{product}质量追溯怎么做",
        "不合格产品的纠正措施", "过程质量控制", "QC成果", "质量管理水平想提升", "质量问题反复，找不到根本原因",
        "QC小组成果怎么写", "统计过程控制培训",
        "{ind}{isymptom}的问题老是反复，想请专家到厂里现场解决", "{food}{symptom}一直解决不了，想找专家帮忙攻关",
        "抽检不合格后要复查，整改材料怎么准备", "复查之前整改要做到什么程度", "{food}加工标准化生产管理怎么搞",
        "生产过程标准化管理，想让质量稳定下来",
        "大客户要来验厂，质量这块怎么准备", "供应商审核没通过，客户要我们交改进计划", "{ind}的一次合格率太低，想提高",
        "{food}优级品率低，想找标杆企业学习", "食品安全主体责任怎么落实，食品安全员要做什么", "质量手册和程序文件怎么编",
        "首件检验和巡检怎么做", "{ind}过程检验制度怎么建",
    ),
    "special_equipment": (
        "{equipment}要定期检验", "{equipment}年检到期了", "{equipment}使用登记怎么办", "新装的{equipment}要监督检验",
        "{equipment}检验不合格，限期整改", "{equipment}算不算特种设备", "{equipment}要不要报检", "电梯困人，想找特检院检查",
        "电梯维保单位换了要告知谁", "叉车证怎么考", "特种设备作业人员证复审", "{equipment}使用登记证丢了",
        "{equipment}改造后要重新检验吗", "{equipment}报废标准", "{equipment}安装告知",
        "安全阀每年校验", "{equipment}检验报告", "{equipment}隐患排查",
        "{equipment}停炉检验", "场车年检", "{equipment}检验费用", "{equipment}制造许可",
        "叉车没牌照被查", "电梯钢丝绳断股", "{equipment} 年检 预约", "{equipment}维护保养",
    ),
}

OPENERS = (
    "", "", "", "您好，", "你好，", "请问", "老师好，", "咨询一下，", "领导好，", "在吗？", "麻烦问下，", "急！", "你好 ",
    "我们是{city}{district}的一家{company}，", "我们是做{product}的，", "{city}一家做{product}的{company}，",
    "我是{city}{company}的，", "本公司主要生产{product}，", "我们{company}主要做{product}，", "我们是{city}的{company}，",
)
CLOSERS = (
    "", "", "", "。", "，谢谢", "，急", "，多少钱", "，多久能办好", "，能上门吗", "？", "，在线等", "，有没有机构推荐",
    "，费用大概多少", "。谢谢老师", "，流程是怎样的", "，要准备什么材料", "!!", "，麻烦尽快回复",
)
# A secondary need mentioned in passing; the dispatcher still routes by the main one.
SECONDARY: dict[str, tuple[str, ...]] = {
    "metrology": ("顺便问下{instrument}要不要检定", "另外{instrument}也该校准了"),
    "standards": ("另外标准是不是有新版", "标准方面也拿不准"),
    "testing": ("顺便想测一下{food_item}", "另外也要出个检测报告"),
    "certification": ("以后还想做{sys_cert}", "顺便问下{licence}"),
    "ip": ("商标也还没注册", "顺便问下专利"),
    "quality_mgmt": ("也想请专家诊断一下质量", "内部品控也要加强"),
    "special_equipment": ("厂里的{equipment}也快到年检了", "另外{equipment}要不要登记"),
}
# Reverse of the typo map in text.py plus other slips, applied with low probability.
TYPOS = (("校准", "较准"), ("检测", "检侧"), ("标准", "标淮"), ("电梯", "电悌"),
         ("菌落", "菌洛"), ("电子秤", "电子称"), ("商标", "商摽"), ("申请", "申清"), ("质量", "质最"),
         ("检定", "捡定"), ("注册", "注侧"), ("胀袋", "涨代"))


@dataclass(frozen=True)
class HistoryRecord:
    text: str
    line: str


def _fill(template: str, rng: random.Random) -> str:
    slots = {
        "food": FOOD_PRODUCTS, "ind": INDUSTRIAL_PRODUCTS, "food_item": FOOD_TEST_ITEMS, "ind_item": INDUSTRIAL_TEST_ITEMS,
        "symptom": FOOD_SYMPTOMS, "isymptom": INDUSTRIAL_SYMPTOMS, "instrument": INSTRUMENTS, "sys_cert": SYSTEM_CERTS,
        "prod_cert": PRODUCT_CERTS, "licence": LICENCES, "equipment": EQUIPMENT, "standard": STANDARDS,
        "foreign_std": FOREIGN_STANDARDS,
        "brand": TRADEMARK_NAMES, "city": CITIES, "district": DISTRICTS, "company": COMPANY_KINDS,
    }
    out = template
    # Fill one occurrence at a time so "{instrument}和{instrument}" names two different instruments.
    while "{" in out:
        start = out.index("{")
        end = out.index("}", start)
        key = out[start + 1:end]
        if key == "product":
            value = rng.choice(FOOD_PRODUCTS if rng.random() < 0.55 else INDUSTRIAL_PRODUCTS)
        elif key == "n":
            value = str(rng.choice((2, 3, 5, 8, 10, 12, 20, 30, 50)))
        else:
            value = rng.choice(slots[key])
        out = out[:start] + value + out[end + 1:]
    return out


def make_request(line: str, rng: random.Random) -> str:
    """One synthetic request text whose main need belongs to `line`."""
    parts = [_fill(rng.choice(OPENERS), rng), _fill(rng.choice(NEEDS[line]), rng)]
    if rng.random() < 0.25:
        other = rng.choice([candidate for candidate in LINES if candidate != line])
        parts.append("，" + _fill(rng.choice(SECONDARY[other]), rng))
    if rng.random() < 0.12:
        # Two needs of the same line in one message.
        parts.append("，还有" + _fill(rng.choice(NEEDS[line]), rng))
    parts.append(rng.choice(CLOSERS))
    text = "".join(parts)
    if rng.random() < 0.15:
        wrong = rng.choice(TYPOS)
        text = text.replace(wrong[0], wrong[1], 1)
    if rng.random() < 0.1:
        text = text.replace("，", " ").replace("。", "")
    return text


def generate_history(n: int, seed: int = 0, label_noise: float = 0.02) -> Iterator[HistoryRecord]:
    """n dispatch-history records; `label_noise` of them carry a wrong line, as real dispatch logs do."""
    rng = random.Random(seed)
    # Lines are not equally common on a real platform: testing and metrology dominate.
    weights = (0.2, 0.1, 0.27, 0.14, 0.08, 0.1, 0.11)
    for _ in range(n):
        line = rng.choices(LINES, weights)[0]
        text = make_request(line, rng)
        label = rng.choice(LINES) if rng.random() < label_noise else line
        yield HistoryRecord(text, label)
