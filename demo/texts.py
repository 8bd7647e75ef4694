"""Chinese wording for titles, duties, comments and narratives, in the register of
the bureaus' and schools' own summaries."""

from dispatch.choices import Subject

from .names import words

SUBJECT_ZH = {
    Subject.CHINESE: "语文",
    Subject.MATHS: "数学",
    Subject.ENGLISH: "英语",
    Subject.PHYSICS: "物理",
    Subject.CHEMISTRY: "化学",
    Subject.BIOLOGY: "生物",
    Subject.POLITICS: "道德与法治",
    Subject.HISTORY: "历史",
    Subject.GEOGRAPHY: "地理",
    Subject.SCIENCE: "科学",
    Subject.MUSIC: "音乐",
    Subject.ART: "美术",
    Subject.PE: "体育",
    Subject.IT: "信息科技",
    Subject.PRESCHOOL: "学前教育",
    Subject.MANAGEMENT: "学校管理",
    Subject.OTHER: "综合实践",
}

TOPICS = {
    Subject.CHINESE: words(
        "背影 春 落花生 桂林山水 草船借箭 祖父的园子 匆匆 观潮 爬山虎的脚"
    ),
    Subject.MATHS: words(
        "分数的初步认识 勾股定理 一元二次方程 圆的面积 平行四边形的面积 函数的概念 "
        "鸡兔同笼 百分数的应用"
    ),
    Subject.ENGLISH: words(
        "My_School Colours At_the_zoo Seasons Healthy_food My_family"
    ),
    Subject.PHYSICS: words("浮力 欧姆定律 光的折射 牛顿第一定律 电功率"),
    Subject.CHEMISTRY: words("氧气的制取 燃烧和灭火 酸和碱的中和反应 质量守恒定律"),
    Subject.BIOLOGY: words("植物细胞 光合作用 人体的血液循环 生态系统"),
    Subject.POLITICS: words("遵守规则 友谊的天空 我们的公共生活 宪法是根本法"),
    Subject.HISTORY: words("秦统一中国 辛亥革命 丝绸之路 改革开放"),
    Subject.GEOGRAPHY: words("地球的运动 中国的气候 黄河的治理 人口与民族"),
    Subject.SCIENCE: words("植物的一生 简单电路 水的三态变化 磁铁的性质"),
    Subject.MUSIC: words("茉莉花 彼得与狼 沂蒙山小调 歌唱祖国"),
    Subject.ART: words("色彩的冷暖 剪纸 有趣的脸谱 家乡的桥"),
    Subject.PE: words("立定跳远 篮球运球 前滚翻 足球脚内侧传球"),
    Subject.IT: words("认识Scratch 制作演示文稿 网络安全 编程画图形"),
    Subject.PRESCHOOL: words("小蝌蚪找妈妈 认识颜色 好玩的沙子 有趣的影子"),
}
GENERAL_TOPICS = words("大单元教学设计 作业设计 课堂提问策略 学生评价改革")

LECTURES = words(
    "新课标背景下的大单元教学设计 “双减”背景下的作业设计与实施 班主任工作艺术 "
    "课堂教学中的有效提问 学校精细化管理实践 家校共育的路径与方法 "
    "教师专业成长与课题研究 中小学生心理健康教育 信息技术与学科教学深度融合"
)
TRAININGS = words(
    "乡村教师教学能力提升 新任教师入职 班主任能力提升 信息技术应用能力提升2.0 "
    "学科骨干教师研修 校长领导力提升 心理健康教育教师 幼儿园保教质量提升"
)
STUDENT_EVENTS = words(
    "手拉手联谊活动 校园艺术节 春季田径运动会 读书分享会 研学实践活动 "
    "书信交流结对活动 科技节 经典诵读比赛"
)
VENUES = words("报告厅 录播教室 多功能厅 会议室 阶梯教室 多媒体教室")
EVENT_VENUES = words("操场 报告厅 体育馆 多功能厅")

ATTACHMENT_DUTIES = words("挂职副校长 挂职教导主任 挂职教务处副主任 挂职德育处副主任")
GRADES = {
    "primary": words("一年级 二年级 三年级 四年级 五年级 六年级"),
    "junior": words("七年级 八年级 九年级"),
    "senior": words("高一 高二 高三"),
    "kg": words("小班 中班 大班"),
}

SELF_APPRAISALS = (
    "支教期间严格遵守受援学校各项规章制度,认真备课上课,积极参与教研组活动,"
    "所任班级成绩稳步提升。",
    "挂职期间协助学校完善教学常规管理制度,组织开展听评课活动,推动了学校管理规范化。",
    "跟岗学习期间全程参与支援学校的集体备课和课堂教学,学习了先进的教学理念和方法,"
    "回校后在本校进行了汇报课。",
    "能够克服工作和生活上的困难,按时完成教学任务,与受援校教师建立了良好的合作关系。",
)
SENDING_OPINIONS = (
    "该同志工作认真负责,圆满完成派出任务,同意考核意见。",
    "该同志表现良好,派出期间无违纪情况,同意。",
    "该同志克服困难、服从安排,建议在职称评审中优先考虑。",
)
RETURN_COMMENTS = (
    "支教天数与花名册不一致,请核实后重新提交。",
    "缺少下一步工作计划,请补充完整。",
    "培训人次统计口径有误(人与人次混填),请更正。",
    "捐赠物资折价缺少依据,请补充说明。",
    "存在问题部分过于简略,请结合本校实际具体说明。",
)
APPROVE_COMMENTS = ("同意。", "材料齐全,数据与记录一致,予以通过。", "", "审核通过。")
EXPLANATIONS = (
    "含寒假期间集中送教天数,经教育局同意计入。",
    "一名教师因病中途请假,按实际在岗天数填报。",
    "部分活动为线上联合教研,系统中未单独登记。",
    "与支援校合并统计的培训人次已拆分。",
)

PRACTICES = (
    "本学期我校与结对学校签订帮扶协议,明确帮扶任务。支援校选派{out}名教师到我校支教,"
    "双方开展集体备课、听评课和送教下乡活动,共同制定学科教学计划。",
    "坚持“每周一次联合教研、每月一次送教、每学期一次交流”的工作机制,"
    "组织示范课{lessons}节,开展专题讲座{lectures}场。",
    "通过线上线下相结合的方式开展联合教研,共享优质课程资源,"
    "受援校教师全员参与培训{trainees}人次。",
)
OUTCOMES = (
    "受援学校教师的课堂教学能力明显提高,青年教师在县级优质课评选中获奖,"
    "学生学业成绩稳步提升。",
    "学校管理更加规范,教学常规检查制度得到落实,家长满意度明显提高。",
    "通过帮扶,培养县级骨干教师,学校教研氛围日渐浓厚。",
)
PROBLEMS = (
    "部分支教教师在岗时间偏短,连续在岗天数不足;帮扶活动的过程记录还不够规范。",
    "受援校学科教师结构性缺编,音体美学科培训覆盖不足。",
    "两校距离较远,学生交流活动开展次数较少。",
)
NEXT_STEPS = (
    "下学期将进一步完善帮扶考核办法,增加挂职管理人员互派,确保每名学科教师至少参加"
    "一次培训。",
    "继续开展送教下乡和联合教研,重点培养学科骨干教师,推动帮扶工作常态化。",
    "加强过程管理,及时上传活动记录和佐证材料,按时报送学期总结。",
)
