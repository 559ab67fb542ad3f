/**
 * Demo data for an empty database: Wannian County's 30 member units (R19), about
 * 30,000 market entities spread over pools A/B/C with their provenance (R1, R6),
 * an inspector directory with a joint pool (R7, R8, R8a), item lists for every
 * member unit (R9) and one user per role.
 *
 * The registry rows go through the importer's row path, so demo data is
 * validated exactly like an imported list; a rejected row is a bug here.
 * Deterministic: all randomness comes from seedrandom(seed), time from deps.now().
 * Names, addresses and legal citations are illustrative, not a real register.
 */
import seedrandom from 'seedrandom';
import { creditCodeCheckChar, CREDIT_CODE_ALPHABET } from '../domain/creditCode';
import type { AuditEntry } from '../domain/audit';
import type { EntityRecord } from '../domain/entity';
import type { InspectorKind, InspectorRecord } from '../domain/inspector';
import type { ItemRecord } from '../domain/item';
import { JOINT_OFFICE_HOST, MEMBER_UNITS, unitName, type Role } from '../domain/organisation';
import { addDays, beijingDate, yearlyDeadline } from '../domain/calendar';
import { POOL_LABELS, type EntityKind, type Pool, type RiskClass } from '../domain/pools';
import { hasAny, Refusal, type Caller, type Deps } from './context';
import { importService } from './importer';
import { userService } from './users';

export interface DemoOptions {
  entities?: number;
  inspectors?: number;
  seed?: string;
  onProgress?: (msg: string) => void;
}

export interface DemoUser {
  userId: string;
  name: string;
  /** Department name, e.g. 县市管局. */
  department: string;
  roles: Role[];
  wecomUserId: string;
  dingtalkStaffId: string;
}

export interface DemoSummary {
  seed: string;
  counts: { departments: number; entities: number; inspectors: number; items: number; users: number };
  pools: Record<Pool, number>;
  entityKinds: Record<EntityKind, number>;
  riskClasses: Record<RiskClass, number>;
  inspectorKinds: Record<InspectorKind, number>;
  jointPoolInspectors: number;
  jointListItems: number;
  users: DemoUser[];
  /** The importer's run ids (entities, inspectors, items). */
  importRuns: string[];
  tookMs: number;
}

export const DEMO_DEFAULTS = { entities: 30_000, inspectors: 300, seed: 'wannian-demo' } as const;
export const DEMO_LIMITS = { entities: [100, 500_000], inspectors: [60, 5_000] } as const;

/** Wannian County's 6 towns and 6 townships, with a rough share of market entities (county seat first). */
const TOWNSHIPS: [string, number][] = [
  ['陈营镇', 36], ['石镇镇', 10], ['青云镇', 8], ['裴梅镇', 7], ['梓埠镇', 7], ['大源镇', 6],
  ['湖云乡', 5], ['上坊乡', 5], ['齐埠乡', 4], ['汪家乡', 4], ['珠田乡', 4], ['苏桥乡', 4],
];
const SEAT_ROADS = ['万年大道', '建设路', '新华路', '人民路', '城东大道', '城西路', '环城路', '胜利路', '府前路', '丰收大道', '迎宾大道', '滨河路'];
const PARK_ROADS = ['创业大道', '科技大道', '工业一路', '工业二路', '发展大道', '创新路'];
const VILLAGE_PARTS = ['东', '西', '南', '北', '新', '上', '下', '中', '前', '后', '大', '小', '高', '石', '田', '塘', '桥', '湾', '港', '坂', '岭', '山', '源', '洲'];
const SURNAMES = ['陈', '李', '王', '张', '刘', '吴', '胡', '徐', '程', '汪', '余', '黄', '周', '叶', '杨', '江', '方', '占', '饶', '万', '章', '舒', '朱', '曹', '邹', '彭', '熊', '何', '郑', '罗', '邵', '傅', '姜', '潘', '齐', '俞'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明', '超', '秀', '霞', '平', '刚', '桂', '英', '华', '建', '国', '文', '斌', '辉', '鹏', '婷', '慧', '琴', '燕', '云', '峰', '林', '海', '志', '红', '春', '晓', '亮', '宇', '欣', '凯', '颖', '俊', '琳', '波'];
const BRAND = '华鑫盛达兴隆恒泰宏昌福瑞丰源金旺顺利通宇鼎信诚和佳美康安新远建明光辉腾飞龙嘉博众联创益祥润晨阳星海天成正伟凯德富荣耀强锦绣万仙贡稻永晟卓越'.split('');
const DOUBLED = ['佳佳', '乐乐', '欣欣', '兴兴', '平平', '红红', '芳芳', '明明', '好好', '旺旺', '多多', '甜甜'];

const PRIORITY_TAGS = ['制造业', '旅游业', '数字经济', '招商引资', '纳税大户'] as const;
/** Safety / quality / public-interest domains that need full annual coverage, and the unit that proposes them for C. */
const SAFETY_DOMAINS: [string, string][] = [['危险化学品', 'YJGLJ'], ['特种设备', 'SCJGJ'], ['消防安全', 'XFJYDD'], ['食品安全', 'SCJGJ']];

interface Line {
  industry: string;
  kind: EntityKind;
  weight: number;
  /** Enterprise: business word before 有限公司; shop: shop type; cooperative: product. */
  words: string[];
  /** Candidate supervising departments (codes); the first one always supervises. */
  depts: string[];
  tags?: [string, number][];
  /** Share of enterprises sited in the high-tech zone. */
  park?: number;
}

const LINES: Line[] = [
  // 企业
  { industry: '制造业', kind: '企业', weight: 3, words: ['食品', '米业', '粮油', '食品科技', '酒业', '饮品', '调味品', '农产品加工'], depts: ['SCJGJ', 'STHJJ', 'YJGLJ'], tags: [['制造业', 1], ['食品安全', 0.9], ['特种设备', 0.25], ['招商引资', 0.1], ['纳税大户', 0.06]], park: 0.4 },
  { industry: '制造业', kind: '企业', weight: 2.5, words: ['机械制造', '机电设备', '汽车零部件', '五金制品', '精密机械'], depts: ['SCJGJ', 'YJGLJ', 'GXJ', 'GXQGWH'], tags: [['制造业', 1], ['特种设备', 0.4], ['招商引资', 0.25], ['纳税大户', 0.08]], park: 0.7 },
  { industry: '制造业', kind: '企业', weight: 1.5, words: ['电子科技', '光电科技', '智能科技', '电子材料'], depts: ['SCJGJ', 'GXJ', 'STHJJ', 'GXQGWH'], tags: [['制造业', 1], ['数字经济', 0.4], ['招商引资', 0.35], ['纳税大户', 0.1]], park: 0.8 },
  { industry: '制造业', kind: '企业', weight: 1, words: ['化工', '新材料', '精细化工', '涂料', '塑胶制品'], depts: ['YJGLJ', 'STHJJ', 'SCJGJ', 'GXQGWH'], tags: [['制造业', 1], ['危险化学品', 0.7], ['招商引资', 0.2], ['纳税大户', 0.1]], park: 0.9 },
  { industry: '制造业', kind: '企业', weight: 1.5, words: ['建材', '水泥制品', '新型墙材', '石材', '陶瓷'], depts: ['SCJGJ', 'STHJJ', 'ZRZYJ', 'YJGLJ'], tags: [['制造业', 1], ['特种设备', 0.3], ['纳税大户', 0.05]], park: 0.3 },
  { industry: '制造业', kind: '企业', weight: 1, words: ['服饰', '纺织', '鞋业', '制衣'], depts: ['SCJGJ', 'XFJYDD', 'RSJ'], tags: [['制造业', 1], ['消防安全', 0.3], ['招商引资', 0.15]], park: 0.6 },
  { industry: '制造业', kind: '企业', weight: 0.5, words: ['药业', '生物科技', '医疗器械'], depts: ['SCJGJ', 'STHJJ'], tags: [['制造业', 1], ['招商引资', 0.3], ['纳税大户', 0.1]], park: 0.8 },
  { industry: '批发和零售业', kind: '企业', weight: 4, words: ['商贸', '贸易', '百货', '超市', '农资', '家电', '建材销售', '汽车销售服务'], depts: ['SCJGJ', 'SWJ'], tags: [['纳税大户', 0.02]] },
  { industry: '批发和零售业', kind: '企业', weight: 0.5, words: ['医药连锁', '大药房连锁'], depts: ['SCJGJ', 'YBJ'] },
  { industry: '批发和零售业', kind: '企业', weight: 0.3, words: ['燃气', '液化气', '能源'], depts: ['ZJJ', 'YJGLJ', 'SCJGJ'], tags: [['危险化学品', 0.6], ['特种设备', 0.8]] },
  { industry: '住宿和餐饮业', kind: '企业', weight: 1.2, words: ['酒店管理', '餐饮管理', '大酒店', '宾馆'], depts: ['SCJGJ', 'WJW', 'GAJ', 'XFJYDD'], tags: [['食品安全', 0.5], ['消防安全', 0.5], ['特种设备', 0.3], ['旅游业', 0.2]] },
  { industry: '建筑业', kind: '企业', weight: 3, words: ['建筑工程', '建设工程', '装饰工程', '市政工程', '劳务', '水利水电工程'], depts: ['ZJJ', 'YJGLJ', 'RSJ'], tags: [['纳税大户', 0.05]] },
  { industry: '交通运输业', kind: '企业', weight: 1.5, words: ['运输', '物流', '客运', '汽车运输服务', '货物运输'], depts: ['JYJ', 'YJGLJ', 'GAJ'], tags: [['危险化学品', 0.1]] },
  { industry: '文化旅游', kind: '企业', weight: 1, words: ['旅游开发', '文化旅游', '文化传媒', '旅行社', '研学旅行'], depts: ['WGXLJ', 'XFJYDD', 'SCJGJ'], tags: [['旅游业', 1], ['招商引资', 0.15]] },
  { industry: '信息技术', kind: '企业', weight: 1.5, words: ['网络科技', '信息技术', '电子商务', '软件开发', '数字科技'], depts: ['SCJGJ', 'GXJ'], tags: [['数字经济', 1], ['招商引资', 0.2]] },
  { industry: '农林牧渔业', kind: '企业', weight: 1, words: ['农业开发', '生态农业', '农业科技', '养殖', '林业开发'], depts: ['NYNCJ', 'LYJ', 'SCJGJ'], tags: [['招商引资', 0.1]] },
  { industry: '房地产业', kind: '企业', weight: 0.8, words: ['房地产开发', '置业', '物业管理'], depts: ['ZJJ', 'XFJYDD', 'RFB'], tags: [['纳税大户', 0.25], ['特种设备', 0.5]] },
  { industry: '居民服务业', kind: '企业', weight: 0.7, words: ['家政服务', '保安服务', '婚庆服务', '广告'], depts: ['SCJGJ', 'GAJ', 'CGJ'] },
  { industry: '教育培训', kind: '企业', weight: 0.5, words: ['教育咨询', '文化培训', '体育发展'], depts: ['JTJ', 'SCJGJ', 'XFJYDD'], tags: [['消防安全', 0.3]] },
  { industry: '卫生和社会工作', kind: '企业', weight: 0.3, words: ['养老服务', '健康管理'], depts: ['MZJ', 'WJW', 'XFJYDD'], tags: [['消防安全', 0.6]] },
  { industry: '批发和零售业', kind: '企业', weight: 0.2, words: ['再生资源回收', '报废汽车回收'], depts: ['SWJ', 'STHJJ', 'GAJ'] },
  // 个体工商户
  { industry: '批发和零售业', kind: '个体工商户', weight: 24, words: ['便利店', '超市', '副食店', '日杂店', '五金店', '服装店', '手机店', '水果店', '烟酒店', '建材店', '家具店', '母婴店', '鞋店', '文具店'], depts: ['SCJGJ', 'SWJ'] },
  { industry: '批发和零售业', kind: '个体工商户', weight: 2, words: ['农资店', '种子店', '兽药店'], depts: ['NYNCJ', 'SCJGJ'] },
  { industry: '批发和零售业', kind: '个体工商户', weight: 0.6, words: ['烟花爆竹店'], depts: ['YJGLJ', 'SCJGJ'], tags: [['危险化学品', 1]] },
  { industry: '批发和零售业', kind: '个体工商户', weight: 1.2, words: ['大药房', '药店'], depts: ['SCJGJ', 'YBJ'] },
  { industry: '住宿和餐饮业', kind: '个体工商户', weight: 18, words: ['小吃店', '饭店', '快餐店', '面馆', '粉店', '早餐店', '奶茶店', '烧烤店', '农家乐', '土菜馆'], depts: ['SCJGJ', 'XFJYDD'], tags: [['食品安全', 0.25], ['消防安全', 0.1]] },
  { industry: '制造业', kind: '个体工商户', weight: 2, words: ['豆腐坊', '米粉加工坊', '糕点坊', '酿酒坊', '榨油坊'], depts: ['SCJGJ'], tags: [['食品安全', 0.8]] },
  { industry: '住宿和餐饮业', kind: '个体工商户', weight: 2, words: ['宾馆', '旅社', '民宿', '招待所'], depts: ['GAJ', 'WJW', 'XFJYDD', 'SCJGJ'], tags: [['消防安全', 0.5], ['旅游业', 0.15]] },
  { industry: '交通运输业', kind: '个体工商户', weight: 4, words: ['汽车维修店', '摩托车维修部', '轮胎店', '洗车店'], depts: ['JYJ', 'STHJJ', 'SCJGJ'] },
  { industry: '交通运输业', kind: '个体工商户', weight: 2, words: ['货运部', '搬家服务部'], depts: ['JYJ'] },
  { industry: '居民服务业', kind: '个体工商户', weight: 8, words: ['理发店', '美容美发店', '照相馆', '家电维修部', '干洗店', '足浴店', '图文广告部'], depts: ['SCJGJ', 'WJW'] },
  { industry: '文化旅游', kind: '个体工商户', weight: 1.2, words: ['KTV', '网吧', '棋牌室', '书店'], depts: ['WGXLJ', 'GAJ', 'XFJYDD'], tags: [['消防安全', 0.7]] },
  { industry: '信息技术', kind: '个体工商户', weight: 1.5, words: ['电脑维修部', '网店', '手机维修部'], depts: ['SCJGJ'], tags: [['数字经济', 0.3]] },
  { industry: '农林牧渔业', kind: '个体工商户', weight: 2.5, words: ['养殖场', '家庭农场', '种植场', '苗木场'], depts: ['NYNCJ', 'STHJJ', 'LYJ'] },
  { industry: '建筑业', kind: '个体工商户', weight: 1, words: ['装饰工程部', '水电安装部'], depts: ['ZJJ'] },
  { industry: '批发和零售业', kind: '个体工商户', weight: 0.5, words: ['废品回收站'], depts: ['SWJ', 'GAJ'] },
  // 农民专业合作社
  { industry: '农林牧渔业', kind: '农民专业合作社', weight: 4, words: ['水稻种植', '优质稻种植', '贡米种植', '蔬菜种植', '生猪养殖', '家禽养殖', '水产养殖', '油茶种植', '果蔬种植', '中药材种植', '茶叶种植', '农机服务', '葡萄种植', '蜜蜂养殖'], depts: ['NYNCJ', 'LYJ', 'SLJ'], tags: [['食品安全', 0.05]] },
];

const RISK_WEIGHTS: [RiskClass, number][] = [['低', 32], ['一般', 60], ['较高', 6], ['高', 2]];

/** The item list of each member unit (R9): name, legal basis, specialty, pools, on the A joint list. */
type ItemSpec = [name: string, basis: string, specialty: string, pools: string, joint?: boolean];
const ITEMS: Record<string, ItemSpec[]> = {
  SCJGJ: [
    ['食品生产经营者监督检查', '《中华人民共和国食品安全法》第一百一十条', '食品安全', 'A、B、C', true],
    ['食品安全监督抽检', '《中华人民共和国食品安全法》第八十七条', '食品安全', 'B、C'],
    ['特种设备使用单位监督检查', '《中华人民共和国特种设备安全法》第五十七条', '特种设备', 'A、B、C', true],
    ['企业公示信息抽查', '《企业信息公示暂行条例》第十四条', '信用监管', 'A、B、C', true],
    ['产品质量监督抽查', '《中华人民共和国产品质量法》第十五条', '产品质量', 'B、C'],
    ['计量器具使用监督检查', '《中华人民共和国计量法》第十八条', '计量', 'B'],
  ],
  SFJ: [
    ['律师事务所执业活动监督检查', '《中华人民共和国律师法》第四条', '法律服务', 'B'],
    ['公证机构执业活动监督检查', '《中华人民共和国公证法》第五条', '法律服务', 'B'],
    ['基层法律服务所执业活动检查', '《基层法律服务所管理办法》', '法律服务', 'B'],
  ],
  FGW: [
    ['招标投标活动监督检查', '《中华人民共和国招标投标法》第七条', '招标投标', 'B'],
    ['固定资产投资项目节能审查事中事后监管', '《中华人民共和国节约能源法》第十五条', '节能', 'A、B', true],
    ['企业投资项目事中事后监管', '《企业投资项目核准和备案管理条例》', '投资项目', 'B'],
  ],
  TZB: [
    ['宗教活动场所内经营活动检查', '《宗教事务条例》', '民族宗教', 'B'],
    ['涉宗教名义商业宣传检查', '《宗教事务条例》', '民族宗教', 'B'],
  ],
  CZJ: [
    ['会计信息质量检查', '《中华人民共和国会计法》', '财会监督', 'A、B', true],
    ['会计师事务所执业质量检查', '《中华人民共和国注册会计师法》第五条', '财会监督', 'B'],
    ['政府采购代理机构监督检查', '《中华人民共和国政府采购法》第五十九条', '政府采购', 'B'],
  ],
  RSJ: [
    ['用人单位遵守劳动保障法律法规情况检查', '《劳动保障监察条例》第十一条', '劳动保障', 'A、B、C', true],
    ['用人单位参加社会保险情况检查', '《中华人民共和国社会保险法》第七十七条', '社会保险', 'B'],
    ['人力资源服务机构监督检查', '《人力资源市场暂行条例》', '人力资源服务', 'B'],
  ],
  MZJ: [
    ['养老机构服务质量和安全检查', '《养老机构管理办法》', '养老服务', 'B、C'],
    ['社会组织年度抽查', '《社会团体登记管理条例》', '社会组织', 'B'],
    ['殡葬服务单位监督检查', '《殡葬管理条例》', '殡葬服务', 'B'],
  ],
  ZRZYJ: [
    ['矿产资源开采监督检查', '《中华人民共和国矿产资源法》', '矿产资源', 'B、C'],
    ['土地利用情况监督检查', '《中华人民共和国土地管理法》第六十七条', '土地管理', 'B'],
    ['测绘单位资质及成果质量检查', '《中华人民共和国测绘法》', '测绘', 'B'],
  ],
  YJGLJ: [
    ['生产经营单位安全生产监督检查', '《中华人民共和国安全生产法》第六十五条', '安全生产', 'A、B、C', true],
    ['危险化学品经营单位监督检查', '《危险化学品安全管理条例》第六条', '危险化学品', 'C'],
    ['烟花爆竹经营单位监督检查', '《烟花爆竹安全管理条例》', '危险化学品', 'B、C'],
    ['工贸企业粉尘防爆安全检查', '《工贸企业粉尘防爆安全规定》', '安全生产', 'B、C'],
  ],
  GXJ: [
    ['民用爆炸物品生产销售安全监督检查', '《民用爆炸物品安全管理条例》第四条', '民爆物品', 'C'],
    ['工业节能监察', '《中华人民共和国节约能源法》', '节能', 'A、B', true],
    ['食盐定点生产批发企业检查', '《食盐专营办法》', '盐业', 'B'],
  ],
  JYJ: [
    ['道路运输经营者监督检查', '《中华人民共和国道路运输条例》', '道路运输', 'A、B、C', true],
    ['机动车维修经营者监督检查', '《机动车维修管理规定》', '机动车维修', 'B'],
    ['机动车驾驶员培训机构监督检查', '《机动车驾驶员培训管理规定》', '驾驶培训', 'B'],
    ['危险货物道路运输企业检查', '《危险货物道路运输安全管理办法》', '危险化学品', 'C'],
  ],
  XFJYDD: [
    ['单位消防安全监督检查', '《中华人民共和国消防法》第五十三条', '消防', 'A、B、C', true],
    ['公众聚集场所投入使用营业前消防安全检查', '《中华人民共和国消防法》第十五条', '消防', 'B、C'],
    ['消防产品质量监督检查', '《消防产品监督管理规定》', '消防', 'B'],
    ['社会消防技术服务机构监督检查', '《社会消防技术服务管理规定》', '消防', 'B'],
  ],
  ZJJ: [
    ['建设工程质量监督检查', '《建设工程质量管理条例》第四十七条', '建设工程', 'A、B、C', true],
    ['建筑施工安全生产监督检查', '《建设工程安全生产管理条例》', '建筑安全', 'B、C'],
    ['房地产开发企业经营行为检查', '《城市房地产开发经营管理条例》', '房地产', 'B'],
    ['燃气经营企业监督检查', '《城镇燃气管理条例》', '燃气安全', 'C'],
    ['物业服务企业监督检查', '《物业管理条例》', '物业管理', 'B'],
  ],
  CGJ: [
    ['户外广告设施设置检查', '《城市市容和环境卫生管理条例》', '市容管理', 'B'],
    ['餐厨垃圾收运处置检查', '《城市生活垃圾管理办法》', '环境卫生', 'B'],
    ['建筑垃圾处置检查', '《城市建筑垃圾管理规定》', '环境卫生', 'B'],
  ],
  STHJJ: [
    ['排污单位现场检查', '《中华人民共和国环境保护法》第二十四条', '环境保护', 'A、B、C', true],
    ['危险废物规范化环境管理检查', '《中华人民共和国固体废物污染环境防治法》', '固体废物', 'C'],
    ['建设项目环境保护“三同时”检查', '《建设项目环境保护管理条例》', '环境影响评价', 'B'],
    ['大气污染防治监督检查', '《中华人民共和国大气污染防治法》第二十九条', '大气污染防治', 'B、C'],
  ],
  RFB: [
    ['人民防空工程维护管理检查', '《中华人民共和国人民防空法》第二十五条', '人防工程', 'B'],
    ['结合民用建筑修建防空地下室检查', '《中华人民共和国人民防空法》第二十二条', '人防工程', 'B'],
  ],
  SWJ: [
    ['单用途商业预付卡发行企业检查', '《单用途商业预付卡管理办法（试行）》', '商贸流通', 'B'],
    ['报废机动车回收拆解企业检查', '《报废机动车回收管理办法》', '再生资源', 'B、C'],
    ['再生资源回收经营者检查', '《再生资源回收管理办法》', '再生资源', 'B'],
    ['拍卖企业经营活动检查', '《拍卖管理办法》', '商贸流通', 'B'],
  ],
  NYNCJ: [
    ['农药经营单位监督检查', '《农药管理条例》', '农资', 'B、C'],
    ['兽药经营企业监督检查', '《兽药管理条例》', '兽药', 'B'],
    ['种子生产经营者监督检查', '《中华人民共和国种子法》', '种子', 'B'],
    ['农产品质量安全监督抽查', '《中华人民共和国农产品质量安全法》', '农产品质量安全', 'A、B、C', true],
    ['生猪屠宰企业监督检查', '《生猪屠宰管理条例》', '畜禽屠宰', 'C'],
  ],
  LYJ: [
    ['林木种苗生产经营检查', '《中华人民共和国种子法》', '林木种苗', 'B'],
    ['野生动物经营利用检查', '《中华人民共和国野生动物保护法》', '野生动植物保护', 'B、C'],
    ['木材经营加工企业检查', '《中华人民共和国森林法》', '森林资源', 'B'],
  ],
  SLJ: [
    ['河道采砂监督检查', '《中华人民共和国水法》', '水政监察', 'B、C'],
    ['取水许可监督检查', '《取水许可和水资源费征收管理条例》', '水资源', 'B'],
    ['水利工程建设质量检查', '《水利工程质量管理规定》', '水利工程', 'B'],
  ],
  WJW: [
    ['公共场所卫生监督检查', '《公共场所卫生管理条例》', '公共卫生', 'A、B、C', true],
    ['医疗机构执业活动检查', '《医疗机构管理条例》', '医疗监督', 'B、C'],
    ['用人单位职业病防治检查', '《中华人民共和国职业病防治法》', '职业卫生', 'B、C'],
    ['生活饮用水卫生监督检查', '《生活饮用水卫生监督管理办法》', '公共卫生', 'C'],
    ['消毒产品生产企业检查', '《消毒管理办法》', '公共卫生', 'B'],
  ],
  WGXLJ: [
    ['旅行社经营活动检查', '《旅行社条例》', '旅游市场', 'A、B', true],
    ['A级旅游景区安全和服务质量检查', '《中华人民共和国旅游法》', '旅游市场', 'A、B、C', true],
    ['娱乐场所经营活动检查', '《娱乐场所管理条例》', '文化市场', 'B、C'],
    ['互联网上网服务营业场所检查', '《互联网上网服务营业场所管理条例》', '文化市场', 'B'],
    ['出版物经营单位检查', '《出版管理条例》', '文化市场', 'B'],
  ],
  GAJ: [
    ['旅馆业治安管理检查', '《旅馆业治安管理办法》', '治安管理', 'B、C'],
    ['保安服务公司监督检查', '《保安服务管理条例》', '治安管理', 'B'],
    ['废旧金属收购企业治安检查', '《废旧金属收购业治安管理办法》', '治安管理', 'B'],
    ['剧毒化学品购买和使用单位检查', '《危险化学品安全管理条例》', '危险化学品', 'C'],
  ],
  YBJ: [
    ['定点医疗机构医保基金使用检查', '《医疗保障基金使用监督管理条例》', '医保基金监管', 'B、C'],
    ['定点零售药店医保基金使用检查', '《医疗保障基金使用监督管理条例》', '医保基金监管', 'B、C'],
  ],
  JTJ: [
    ['校外培训机构监督检查', '《中华人民共和国民办教育促进法》', '教育培训', 'B、C'],
    ['经营高危险性体育项目检查', '《全民健身条例》', '体育市场', 'C'],
    ['民办幼儿园办园行为检查', '《幼儿园管理条例》', '教育培训', 'B'],
  ],
  QXJ: [
    ['防雷装置检测单位监督检查', '《气象灾害防御条例》', '防雷安全', 'B'],
    ['升放气球活动安全检查', '《升放气球管理办法》', '防雷安全', 'B'],
  ],
  TJJ: [
    ['统计调查对象统计工作检查', '《中华人民共和国统计法》', '统计执法', 'A、B', true],
    ['联网直报企业数据质量检查', '《中华人民共和国统计法实施条例》', '统计执法', 'B'],
  ],
  CL: [
    ['用人单位按比例安排残疾人就业检查', '《残疾人就业条例》', '残疾人就业', 'B'],
    ['残疾人康复服务机构检查', '《残疾预防和残疾人康复条例》', '康复服务', 'B'],
  ],
  GXQGWH: [
    ['园区企业安全生产检查', '《中华人民共和国安全生产法》', '安全生产', 'A、B、C', true],
    ['园区企业环境保护检查', '《中华人民共和国环境保护法》', '环境保护', 'B、C'],
    ['招商引资项目履约情况检查', '《优化营商环境条例》', '投资项目', 'A、B'],
  ],
  DAG: [
    ['企业档案工作监督检查', '《中华人民共和国档案法》第四十二条', '档案管理', 'B'],
    ['档案服务企业监督检查', '《中华人民共和国档案法》', '档案管理', 'B'],
  ],
};

/** Relative size of each unit's inspector roster; every unit gets at least two officers (R8a). */
const ROSTER_WEIGHTS: Record<string, number> = {
  SCJGJ: 56, SFJ: 5, FGW: 6, TZB: 3, CZJ: 6, RSJ: 10, MZJ: 6, ZRZYJ: 10, YJGLJ: 15, GXJ: 6,
  JYJ: 14, XFJYDD: 16, ZJJ: 14, CGJ: 16, STHJJ: 14, RFB: 3, SWJ: 6, NYNCJ: 16, LYJ: 10, SLJ: 8,
  WJW: 16, WGXLJ: 10, GAJ: 18, YBJ: 6, JTJ: 8, QXJ: 3, TJJ: 4, CL: 3, GXQGWH: 8, DAG: 3,
};

const EXPERT_BODIES = ['江西省检验检测认证总院', '上饶市检验检测中心', '江西农业大学', '南昌大学', '上饶师范学院', '江西省科学院', '上饶市疾病预防控制中心'];

interface UserSpec {
  userId: string;
  name: string;
  department: string;
  roles: Role[];
  wecomUserId: string;
  dingtalkStaffId: string;
}

/**
 * A leader for every other member unit: any unit can be a plan's joint department, and its
 * leader confirms taking part (a step of the plan's approval), so the demo has one each.
 */
function otherLeaders(): UserSpec[] {
  const surnames = '陈张刘杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾';
  const given = ['建平', '志强', '海燕', '国华', '小红', '文军', '丽萍', '永明', '春生', '秀英'];
  return MEMBER_UNITS.filter((u) => !['SCJGJ', 'XFJYDD', 'YJGLJ'].includes(u.code)).map((u, i) => ({
    userId: `${u.code.toLowerCase()}.leader`, name: `${surnames[i % surnames.length]}${given[(i * 3) % given.length]}`,
    department: u.code, roles: ['leader'] as Role[],
    wecomUserId: `${u.code}Leader`, dingtalkStaffId: `1129${String(20 + i).padStart(2, '0')}010002`,
  }));
}

/** The demo users; the inspector user's id is its inspector number (that is the link to the directory). */
const USERS: UserSpec[] = [
  { userId: 'scj.official', name: '周晓燕', department: 'SCJGJ', roles: ['official'], wecomUserId: 'ZhouXiaoYan', dingtalkStaffId: '112901010001' },
  { userId: 'scj.leader', name: '汪国平', department: 'SCJGJ', roles: ['leader'], wecomUserId: 'WangGuoPing', dingtalkStaffId: '112901010002' },
  { userId: 'lxb.office', name: '程丽华', department: 'SCJGJ', roles: ['office'], wecomUserId: 'ChengLiHua', dingtalkStaffId: '112901010003' },
  { userId: 'sfj.justice', name: '余志明', department: 'SFJ', roles: ['justice'], wecomUserId: 'YuZhiMing', dingtalkStaffId: '112902010001' },
  { userId: 'xf.official', name: '吴海涛', department: 'XFJYDD', roles: ['official'], wecomUserId: 'WuHaiTao', dingtalkStaffId: '112912010001' },
  { userId: 'xf.leader', name: '占建军', department: 'XFJYDD', roles: ['leader'], wecomUserId: 'ZhanJianJun', dingtalkStaffId: '112912010002' },
  { userId: 'yj.official', name: '胡文斌', department: 'YJGLJ', roles: ['official'], wecomUserId: 'HuWenBin', dingtalkStaffId: '112909010001' },
  // R20: a second 联席办 member reviews what the first drafts or proposes, and each unit an official
  // plans for has a leader, so every request the demo can start can finish.
  { userId: 'lxb.office2', name: '方文静', department: 'SCJGJ', roles: ['office'], wecomUserId: 'FangWenJing', dingtalkStaffId: '112901010004' },
  { userId: 'yj.leader', name: '叶建华', department: 'YJGLJ', roles: ['leader'], wecomUserId: 'YeJianHua', dingtalkStaffId: '112909010002' },
  ...otherLeaders(),
  { userId: 'admin', name: '李振宇', department: 'SCJGJ', roles: ['admin'], wecomUserId: 'LiZhenYu', dingtalkStaffId: '112901019999' },
];
const OFFICE_USER = 'lxb.office';
/** Who proposes C placements for each unit (R1: member units propose). */
const PROPOSER: Record<string, string> = { SCJGJ: 'scj.official', XFJYDD: 'xf.official', YJGLJ: 'yj.official' };
const INSPECTOR_USER_DEPT = 'SCJGJ';

type Cells = Record<string, string>;
/** Rows keyed by the importer's canonical field names, holding text as a spreadsheet cell would. */
type EntityCells = Record<keyof EntityRecord, string>;
type InspectorCells = Record<Exclude<keyof InspectorRecord, 'mobile' | 'platformId'>, string> & Partial<Record<'mobile' | 'platformId', string>>;
type ItemCells = Record<keyof ItemRecord, string>;

export interface Placement {
  code: string;
  pool: Pool;
  reason: string;
  /** C only: the proposing unit. */
  proposerDept?: string;
}

/** Everything the demo writes, as importer rows plus the R1 placements to make after the import. */
export interface DemoData {
  entities: EntityCells[];
  placements: Placement[];
  inspectors: InspectorCells[];
  items: ItemCells[];
  inspectorUser: { inspectorNo: string; name: string };
}

type Rng = () => number;

const tools = (rng: Rng) => {
  const int = (lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rng() * a.length)];
  const chance = (p: number) => rng() < p;
  const weighted = <T>(pairs: readonly (readonly [T, number])[]): T => {
    const total = pairs.reduce((s, [, w]) => s + w, 0);
    let x = rng() * total;
    for (const [v, w] of pairs) {
      x -= w;
      if (x < 0) return v;
    }
    return pairs[pairs.length - 1][0];
  };
  return { int, pick, chance, weighted };
};

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** GB 11714 check character of an 8-digit organisation code. */
function orgCodeCheck(digits: string): string {
  const w = [3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(digits[i]) * w[i];
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

/** China's calendar day for an instant (the county works on UTC+8). */
const chinaDay = beijingDate;

/**
 * The day a yearly filing due by 31 March (R8, R9) was made: between 5 January
 * and 31 March of this year, and before today; early in January, last March.
 */
function filingDay(today: string, rng: Rng): string {
  const year = Number(today.slice(0, 4));
  let from = `${year}-01-05`;
  let to = addDays(today, -1) < yearlyDeadline(year) ? addDays(today, -1) : yearlyDeadline(year);
  if (to < from) {
    from = `${year - 1}-03-01`;
    to = yearlyDeadline(year - 1);
  }
  const span = Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);
  return addDays(from, Math.floor(rng() * (span + 1)));
}

function generateEntities(n: number, seed: string): { rows: EntityCells[]; placements: Placement[] } {
  const rng = seedrandom(`${seed}:entities`);
  const { int, pick, chance, weighted } = tools(rng);
  const codes = new Set<string>();
  const names = new Set<string>();
  const rows: EntityCells[] = [];
  const placements: Placement[] = [];
  const lines = LINES.map((l) => [l, l.weight] as const);

  const newCode = (kind: EntityKind): string => {
    for (;;) {
      const type = kind === '企业' ? '91' : kind === '个体工商户' ? '92' : '93';
      let body: string;
      if (kind === '企业' && chance(0.2)) {
        // An older enterprise: its 9-character organisation code (8 digits + GB 11714 check).
        const digits = pad(int(10_000_000, 79_999_999), 8);
        body = digits + orgCodeCheck(digits);
      } else {
        body = `MA3${pick('56789ABCD'.split(''))}`;
        for (let i = 0; i < 5; i++) body += pick(CREDIT_CODE_ALPHABET.split(''));
      }
      const first17 = `${type}361129${body}`;
      const code = first17 + creditCodeCheckChar(first17);
      if (!codes.has(code)) {
        codes.add(code);
        return code;
      }
    }
  };
  const brand = (): string => {
    const a = pick(BRAND);
    let b = pick(BRAND);
    while (b === a) b = pick(BRAND);
    return a + b;
  };
  const village = (): string => {
    const a = pick(VILLAGE_PARTS);
    let b = pick(VILLAGE_PARTS);
    while (b === a) b = pick(VILLAGE_PARTS);
    return chance(0.3) ? `${pick(SURNAMES)}家` : a + b;
  };
  const uniqueName = (make: () => string): string => {
    for (let i = 0; i < 30; i++) {
      const nm = make();
      if (!names.has(nm)) {
        names.add(nm);
        return nm;
      }
    }
    const base = make();
    for (let k = 2; ; k++) {
      const nm = `${base}（${k}号店）`;
      if (!names.has(nm)) {
        names.add(nm);
        return nm;
      }
    }
  };

  for (let i = 0; i < n; i++) {
    const line = weighted(lines);
    const township = weighted(TOWNSHIPS);
    const word = pick(line.words);
    let name: string;
    let address: string;
    if (line.kind === '企业') {
      const prefix = weighted([['万年县', 85], ['江西', 12], ['江西万年', 3]] as const);
      name = uniqueName(() => `${prefix}${brand()}${word}${weighted([['有限公司', 90], ['有限责任公司', 8], ['股份有限公司', 2]] as const)}`);
      address = line.park !== undefined && chance(line.park)
        ? `万年县高新技术产业园区${pick(PARK_ROADS)}${int(1, 300)}号`
        : township === '陈营镇'
          ? `万年县陈营镇${pick(SEAT_ROADS)}${int(1, 680)}号`
          : `万年县${township}${village()}村${int(1, 120)}号`;
    } else if (line.kind === '个体工商户') {
      const style = int(1, 4);
      name = uniqueName(() => {
        const mark = style === 1 ? `${pick(SURNAMES)}记` : style === 2 ? pick(DOUBLED) : style === 3 ? `老${pick(SURNAMES)}` : brand();
        return `万年县${township}${mark}${word}`;
      });
      address = township === '陈营镇'
        ? `万年县陈营镇${pick(SEAT_ROADS)}${int(1, 680)}号`
        : `万年县${township}${chance(0.5) ? `${township.slice(0, -1)}街` : `${village()}村`}${int(1, 200)}号`;
    } else {
      name = uniqueName(() => `万年县${chance(0.5) ? township.slice(0, -1) + village() : brand()}${word}专业合作社`);
      address = `万年县${township}${village()}村`;
    }

    const riskClass = weighted(RISK_WEIGHTS);
    const tags: string[] = [];
    for (const [tag, p] of line.tags ?? []) if (chance(p)) tags.push(tag);
    if (address.includes('高新技术产业园区') && !tags.includes('招商引资') && chance(0.3)) tags.push('招商引资');
    const depts = [line.depts[0], ...line.depts.slice(1).filter(() => chance(0.45))];
    if (line.kind !== '农民专业合作社' && !depts.includes('SCJGJ') && chance(0.3)) depts.push('SCJGJ');
    if (tags.includes('消防安全') && !depts.includes('XFJYDD')) depts.push('XFJYDD');
    if (tags.includes('危险化学品') && !depts.includes('YJGLJ')) depts.push('YJGLJ');
    if (tags.includes('特种设备') && !depts.includes('SCJGJ')) depts.push('SCJGJ');
    const code = newCode(line.kind);
    const placement = placeEntity(code, line.kind, riskClass, tags);
    if (placement) placements.push(placement);
    // A unit proposes C only for entities it supervises (R1: 根据监管职责提出).
    if (placement?.proposerDept && !depts.includes(placement.proposerDept)) depts.push(placement.proposerDept);
    rows.push({
      creditCode: code,
      name,
      kind: line.kind,
      industry: line.industry,
      township,
      address,
      riskClass,
      sectorTags: tags.join('、'),
      departments: depts.map(unitName).join('、'),
    });
  }

  /**
   * Where R1 puts an entity (the demo's stand-in for 联席办's and the member units'
   * judgement): poor credit → C; good credit in a priority sector → A; a safety
   * domain → C (proposed by the unit in charge); a few other good-credit ones → A.
   */
  function placeEntity(code: string, kind: EntityKind, risk: RiskClass, tags: string[]): Placement | undefined {
    if (risk === '高' || risk === '较高') {
      if (chance(0.85)) return { code, pool: 'C', proposerDept: 'SCJGJ', reason: `R1：信用风险${risk}，属信用等级较差的市场主体，须每年全覆盖检查` };
      return undefined;
    }
    const priority = PRIORITY_TAGS.find((t) => tags.includes(t));
    if (priority && chance(risk === '低' ? 0.9 : 0.45)) {
      return { code, pool: 'A', reason: risk === '低' ? `R1：信用优良，且属${priority}重点领域` : `R1：属${priority}重点领域` };
    }
    const domain = SAFETY_DOMAINS.find(([t]) => tags.includes(t));
    if (domain && chance(0.3)) return { code, pool: 'C', proposerDept: domain[1], reason: `R1：涉及${domain[0]}领域，须每年全覆盖检查` };
    if (risk === '低' && chance(kind === '个体工商户' ? 0.02 : 0.3)) return { code, pool: 'A', reason: 'R1：信用优良（信用风险低）' };
    return undefined;
  }

  return { rows, placements };
}

function generateItems(today: string, seed: string): ItemCells[] {
  const rng = seedrandom(`${seed}:items`);
  const rows: ItemCells[] = [];
  MEMBER_UNITS.forEach((unit, u) => {
    ITEMS[unit.code].forEach(([name, basis, specialty, pools, joint], i) => {
      rows.push({
        itemCode: `${unit.code}-JC${pad(i + 1, 2)}`,
        department: unit.name,
        name,
        legalBasis: basis,
        powerListCode: `361129-XZJC-${pad(u + 1, 2)}${pad(i + 1, 3)}`,
        pools,
        jointListA: joint ? '是' : '否',
        jointListFiledOn: joint ? filingDay(today, rng) : '',
        specialty,
      });
    });
  });
  return rows;
}

/** Splits `total` over the units by weight, at least two each (R8a). */
function rosterSizes(total: number): Record<string, number> {
  const units = MEMBER_UNITS.map((u) => u.code);
  const rest = total - 2 * units.length;
  const weightSum = units.reduce((s, c) => s + ROSTER_WEIGHTS[c], 0);
  const exact = units.map((c) => (rest * ROSTER_WEIGHTS[c]) / weightSum);
  const sizes = exact.map((x) => Math.floor(x));
  let left = rest - sizes.reduce((s, x) => s + x, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left-- <= 0) break;
    sizes[i]++;
  }
  return Object.fromEntries(units.map((c, i) => [c, sizes[i] + 2]));
}

function generateInspectors(total: number, today: string, seed: string, entities: EntityCells[]): { rows: InspectorCells[]; user: { inspectorNo: string; name: string } } {
  const rng = seedrandom(`${seed}:inspectors`);
  const { int, pick, chance, weighted } = tools(rng);
  const sizes = rosterSizes(total);
  const specialtiesOf = (dept: string) => [...new Set(ITEMS[dept].map((i) => i[2]))];
  const usedNames = new Set<string>();
  const personName = (): string => {
    for (;;) {
      const nm = pick(SURNAMES) + pick(GIVEN) + (chance(0.7) ? pick(GIVEN) : '');
      if (!usedNames.has(nm)) {
        usedNames.add(nm);
        return nm;
      }
    }
  };
  const year = Number(today.slice(0, 4));
  const rows: InspectorCells[] = [];
  let certSeq = 0;
  MEMBER_UNITS.forEach((unit, u) => {
    const specs = specialtiesOf(unit.code);
    for (let i = 0; i < sizes[unit.code]; i++) {
      const inspectorNo = `${unit.code}-${pad(i + 1, 3)}`;
      // The first two of each unit are certified civil servants, so every unit can field a team (R8a).
      const kind: InspectorKind = i < 2
        ? 'civil_servant'
        : weighted([['civil_servant', 52], ['qualified_staff', 23], ['daily_supervision', 17], ['expert', 8]] as const);
      const certified = kind === 'civil_servant' || kind === 'qualified_staff' || (kind === 'daily_supervision' && chance(0.2));
      const certificateNo = certified ? `赣执${pad(u + 1, 2)}${pad(++certSeq, 5)}` : '';
      const expired = certified && i >= 2 && chance(0.04);
      const certificateExpiry = !certified ? '' : expired ? addDays(today, -int(10, 400)) : `${year + int(1, 5)}-${pad(int(1, 12), 2)}-${pad(int(1, 28), 2)}`;
      const mySpecs = kind === 'expert' ? [pick(specs)] : [...new Set([pick(specs), ...(chance(0.4) ? [pick(specs)] : []), ...(chance(0.3) ? ['综合执法'] : [])])];
      const qualification = kind === 'expert'
        ? `${pick(EXPERT_BODIES)}${pick(['高级工程师', '研究员', '副教授', '教授', '主任技师'])}`
        : kind === 'civil_servant' ? '行政执法证（江西省）'
          : kind === 'qualified_staff' ? '具有行政执法资格'
            : certified ? '行政执法证（江西省）' : '日常监管';
      rows.push({
        inspectorNo,
        name: personName(),
        department: unit.name,
        kind,
        certificateNo,
        certificateExpiry,
        qualification,
        specialties: mySpecs.join('、'),
        jointPool: '否',
        jointPoolUpdatedOn: '',
        active: i >= 2 && chance(0.025) ? '否' : '是',
        conflicts: '',
      });
    }
  });

  // 联席办's joint pool (R8): about a fifth, chosen among active officers with a valid certificate, updated by 31 March.
  const eligible = rows.filter((r) => r.certificateNo && r.certificateExpiry >= today && r.active === '是');
  const userRow = rows.find((r) => r.inspectorNo === `${INSPECTOR_USER_DEPT}-001`)!;
  const shuffled = eligible.filter((r) => r !== userRow).map((r) => [rng(), r] as const).sort((a, b) => a[0] - b[0]).map(([, r]) => r);
  const joint = [userRow, ...shuffled.slice(0, Math.max(0, Math.round(total * 0.2) - 1))];
  for (const r of joint) {
    r.jointPool = '是';
    r.jointPoolUpdatedOn = filingDay(today, rng);
  }

  // A few declared conflicts of interest (R8a 回避) with entities the inspector's unit supervises.
  const byDept = new Map<string, string[]>();
  for (const e of entities) for (const d of e.departments.split('、')) {
    const list = byDept.get(d) ?? [];
    if (list.length < 200) list.push(e.creditCode);
    byDept.set(d, list);
  }
  const candidates = rows.filter((r) => r.kind !== 'expert' && r !== userRow);
  const nConflicts = Math.max(3, Math.round(total * 0.025));
  for (let k = 0; k < nConflicts && candidates.length; k++) {
    const r = candidates.splice(int(0, candidates.length - 1), 1)[0];
    const pool = byDept.get(r.department) ?? entities.map((e) => e.creditCode).slice(0, 200);
    const mine = new Set([pick(pool), ...(chance(0.3) ? [pick(pool)] : [])]);
    r.conflicts = [...mine].join('、');
  }
  return { rows, user: { inspectorNo: userRow.inspectorNo, name: userRow.name } };
}

/** Pure generation of everything the demo writes (no I/O): the same arguments give the same data. */
export function generateDemoData(entities: number, inspectors: number, seed: string, today: string): DemoData {
  const e = generateEntities(entities, seed);
  const items = generateItems(today, seed);
  const ins = generateInspectors(inspectors, today, seed, e.rows);
  return { entities: e.rows, placements: e.placements, inspectors: ins.rows, items, inspectorUser: ins.user };
}

async function* rowsOf(list: readonly Cells[]): AsyncIterable<{ row: number; cells: Record<string, string> }> {
  // Row 1 would be the header of a spreadsheet.
  for (let i = 0; i < list.length; i++) yield { row: i + 2, cells: list[i] };
}

function count<T extends string>(values: Iterable<string>, keys: readonly T[]): Record<T, number> {
  const out = Object.fromEntries(keys.map((k) => [k, 0])) as Record<T, number>;
  for (const v of values) if (v in out) out[v as T]++;
  return out;
}

export function demoService(deps: Deps) {
  const { repos, now } = deps;
  const importer = importService(deps);
  const users = userService(deps);

  return {
    async fill(caller: Caller, opts: DemoOptions = {}): Promise<DemoSummary> {
      const started = Date.now();
      const progress = opts.onProgress ?? (() => undefined);
      if (!hasAny(caller, ['admin'])) throw new Refusal('只有系统管理员可以生成演示数据（R20）');
      const nEntities = opts.entities ?? DEMO_DEFAULTS.entities;
      const nInspectors = opts.inspectors ?? DEMO_DEFAULTS.inspectors;
      const seed = (opts.seed ?? DEMO_DEFAULTS.seed).trim() || DEMO_DEFAULTS.seed;
      if (!Number.isInteger(nEntities) || nEntities < DEMO_LIMITS.entities[0] || nEntities > DEMO_LIMITS.entities[1]) {
        throw new Refusal(`市场主体数量应为${DEMO_LIMITS.entities[0]}至${DEMO_LIMITS.entities[1]}之间的整数`);
      }
      if (!Number.isInteger(nInspectors) || nInspectors < DEMO_LIMITS.inspectors[0] || nInspectors > DEMO_LIMITS.inspectors[1]) {
        throw new Refusal(`执法检查人员数量应为${DEMO_LIMITS.inspectors[0]}至${DEMO_LIMITS.inspectors[1]}之间的整数（每个成员单位至少2名执法人员，R8a）`);
      }

      // Only an empty database: demo data must never mix with a county's real lists.
      const [e, i, it, us] = await Promise.all([
        repos.entities.count({}), repos.inspectors.count(), repos.items.count(), repos.org.users(),
      ]);
      if (e + i + it + us.length > 0) {
        throw new Refusal(`数据库中已有数据（市场主体${e}户、执法检查人员${i}名、检查事项${it}项、用户${us.length}个），演示数据只能填入空数据库；请换一个空数据库（如 DB_NAME=demo）后再运行`);
      }

      const today = chinaDay(now());
      progress(`生成演示数据（种子 ${seed}）…`);
      const g = generateDemoData(nEntities, nInspectors, seed, today);

      await repos.org.seedDepartments();
      progress('登记演示用户…');
      const demoUsers: DemoUser[] = [];
      const specs: UserSpec[] = [
        ...USERS.slice(0, -1),
        { userId: g.inspectorUser.inspectorNo, name: g.inspectorUser.name, department: INSPECTOR_USER_DEPT, roles: ['inspector'], wecomUserId: g.inspectorUser.inspectorNo.replace('-', ''), dingtalkStaffId: '112901020001' },
        USERS[USERS.length - 1],
      ];
      for (const s of specs) {
        const u = await users.save(caller, { ...s, department: unitName(s.department) });
        demoUsers.push({ userId: u.userId, name: u.name, department: unitName(u.department), roles: u.roles, wecomUserId: s.wecomUserId, dingtalkStaffId: s.dingtalkStaffId });
      }

      const source = `演示数据（种子 ${seed}）`;
      const runIds: string[] = [];
      const run = async (kind: 'entities' | 'inspectors' | 'items', rows: readonly Cells[], label: string, initial?: (key: string) => Record<string, unknown> | undefined) => {
        progress(`导入${label} ${rows.length} 条…`);
        let last = 0;
        const r = await importer.importRows(caller, kind, rowsOf(rows), {
          source,
          initial,
          onProgress: (n) => {
            if (n - last >= 5000 || n === rows.length) {
              last = n;
              progress(`  ${label} ${n}/${rows.length}`);
            }
          },
        });
        runIds.push(r.runId);
        if (r.rejected.length > 0 || r.imported !== rows.length) {
          const first = r.rejected.slice(0, 5).map((x) => `第${x.row}行：${x.reason}`).join('；');
          throw new Error(`demo generator bug: the importer took ${r.imported} of ${rows.length} ${kind} rows and rejected ${r.rejected.length}: ${first}`);
        }
      };
      await run('items', g.items, '检查事项');
      await run('inspectors', g.inspectors, '执法检查人员');
      progress('按R1确定A类、C类名单…');
      const initial = placementsOf(caller, g.placements);
      await run('entities', g.entities, '市场主体', (code) => initial.fields.get(code));
      await repos.audit.append(initial.audits);

      // Every write above was checked row by row (import counts, batch counts), so the pools are known exactly.
      const pools: Record<Pool, number> = { A: 0, B: g.entities.length - g.placements.length, C: 0 };
      for (const p of g.placements) pools[p.pool]++;
      const at = now();
      await repos.audit.append({
        at, actor: caller.userId, channel: caller.channel, action: 'demo.fill', target: 'database',
        changes: [], note: `演示数据（种子 ${seed}）：成员单位${MEMBER_UNITS.length}个，市场主体${g.entities.length}户（A类${pools.A}、B类${pools.B}、C类${pools.C}），执法检查人员${g.inspectors.length}名，检查事项${g.items.length}项，用户${demoUsers.length}个`,
      });
      progress('完成');
      return {
        seed,
        counts: { departments: MEMBER_UNITS.length, entities: g.entities.length, inspectors: g.inspectors.length, items: g.items.length, users: demoUsers.length },
        pools,
        entityKinds: count(g.entities.map((r) => r.kind), ['企业', '个体工商户', '农民专业合作社'] as const),
        riskClasses: count(g.entities.map((r) => r.riskClass), ['低', '一般', '较高', '高'] as const),
        inspectorKinds: count(g.inspectors.map((r) => r.kind), ['civil_servant', 'qualified_staff', 'daily_supervision', 'expert'] as const),
        jointPoolInspectors: g.inspectors.filter((r) => r.jointPool === '是').length,
        jointListItems: g.items.filter((r) => r.jointListA === '是').length,
        users: demoUsers,
        importRuns: runIds,
        tookMs: Date.now() - started,
      };
    },
  };

  /**
   * The demo's A and C entities with the provenance R1 asks for, set when they
   * are imported: A decided by 联席办; C proposed by the member unit in charge
   * and confirmed by 联席办 (the reason keeps the proposer, as
   * poolService.decide() writes it); and one audit entry per batch (R20).
   */
  function placementsOf(caller: Caller, placements: Placement[]): { fields: Map<string, Record<string, unknown>>; audits: AuditEntry[] } {
    const groups = new Map<string, Placement[]>();
    for (const p of placements) {
      const key = `${p.pool}|${p.proposerDept ?? ''}|${p.reason}`;
      const list = groups.get(key) ?? [];
      list.push(p);
      groups.set(key, list);
    }
    const note = (what: string, codes: string[]) => `演示数据批量操作：${what}，共${codes.length}户：${codes.join('、')}`;
    const at = now();
    const fields = new Map<string, Record<string, unknown>>();
    const audits: AuditEntry[] = [];
    for (const list of groups.values()) {
      const { pool, reason } = list[0];
      const codes = list.map((p) => p.code);
      if (pool === 'A') {
        for (const c of codes) fields.set(c, { pool: 'A', poolPlacedBy: OFFICE_USER, poolPlacedAt: at, poolReason: reason });
        audits.push({
          at, actor: OFFICE_USER, channel: caller.channel, action: 'pool.place.batch', target: 'pool:A',
          changes: [{ field: 'pool', from: '"B"', to: '"A"' }], note: note(`联席办确定列入${POOL_LABELS.A}（${reason}）`, codes),
        });
        continue;
      }
      const dept = list[0].proposerDept ?? JOINT_OFFICE_HOST;
      const proposer = PROPOSER[dept];
      for (const c of codes) fields.set(c, { pool: 'C', poolPlacedBy: OFFICE_USER, poolPlacedAt: at, poolReason: `${reason}（${proposer}提出，联席办确认）` });
      audits.push(
        {
          at, actor: proposer, channel: caller.channel, action: 'pool.propose.batch', target: 'pool:C',
          changes: [{ field: 'pendingPool', from: '""', to: '"C"' }], note: note(`${unitName(dept)}提出拟入${POOL_LABELS.C}（${reason}）`, codes),
        },
        {
          at, actor: OFFICE_USER, channel: caller.channel, action: 'pool.confirm.batch', target: 'pool:C',
          changes: [{ field: 'pool', from: '"B"', to: '"C"' }], note: note(`联席办确认${unitName(dept)}（${proposer}）提出的${POOL_LABELS.C}名单（${reason}）`, codes),
        },
      );
    }
    return { fields, audits };
  }
}

export type DemoService = ReturnType<typeof demoService>;
