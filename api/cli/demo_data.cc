#include "demo_data.h"

namespace shanliu::cli::demo {

const std::vector<District>& Districts() {
  static const std::vector<District> d = {
      {"西湖区", "Xihu District", "330106",
       {{"北山街道", "Beishan Subdistrict"}, {"西溪街道", "Xixi Subdistrict"}, {"翠苑街道", "Cuiyuan Subdistrict"},
        {"文新街道", "Wenxin Subdistrict"}, {"古荡街道", "Gudang Subdistrict"}, {"灵隐街道", "Lingyin Subdistrict"},
        {"蒋村街道", "Jiangcun Subdistrict"}, {"留下街道", "Liuxia Subdistrict"}, {"转塘街道", "Zhuantang Subdistrict"},
        {"三墩镇", "Sandun Town"}}},
      {"上城区", "Shangcheng District", "330102",
       {{"湖滨街道", "Hubin Subdistrict"}, {"清波街道", "Qingbo Subdistrict"}, {"小营街道", "Xiaoying Subdistrict"},
        {"望江街道", "Wangjiang Subdistrict"}, {"南星街道", "Nanxing Subdistrict"}, {"紫阳街道", "Ziyang Subdistrict"},
        {"凯旋街道", "Kaixuan Subdistrict"}, {"采荷街道", "Caihe Subdistrict"}}},
      {"拱墅区", "Gongshu District", "330105",
       {{"米市巷街道", "Mishixiang Subdistrict"}, {"湖墅街道", "Hushu Subdistrict"}, {"小河街道", "Xiaohe Subdistrict"},
        {"和睦街道", "Hemu Subdistrict"}, {"拱宸桥街道", "Gongchenqiao Subdistrict"}, {"大关街道", "Daguan Subdistrict"},
        {"武林街道", "Wulin Subdistrict"}, {"天水街道", "Tianshui Subdistrict"}}},
      {"滨江区", "Binjiang District", "330108",
       {{"西兴街道", "Xixing Subdistrict"}, {"长河街道", "Changhe Subdistrict"}, {"浦沿街道", "Puyan Subdistrict"}}},
      {"萧山区", "Xiaoshan District", "330109",
       {{"城厢街道", "Chengxiang Subdistrict"}, {"北干街道", "Beigan Subdistrict"}, {"蜀山街道", "Shushan Subdistrict"},
        {"新塘街道", "Xintang Subdistrict"}, {"宁围街道", "Ningwei Subdistrict"}, {"瓜沥镇", "Guali Town"}}},
      {"余杭区", "Yuhang District", "330110",
       {{"五常街道", "Wuchang Subdistrict"}, {"仓前街道", "Cangqian Subdistrict"}, {"闲林街道", "Xianlin Subdistrict"},
        {"余杭街道", "Yuhang Subdistrict"}, {"中泰街道", "Zhongtai Subdistrict"}, {"良渚街道", "Liangzhu Subdistrict"}}},
      {"钱塘区", "Qiantang District", "330114",
       {{"下沙街道", "Xiasha Subdistrict"}, {"白杨街道", "Baiyang Subdistrict"}, {"河庄街道", "Hezhuang Subdistrict"},
        {"义蓬街道", "Yipeng Subdistrict"}}},
  };
  return d;
}

const std::vector<OrgSpec>& Charities() {
  static const std::vector<OrgSpec> c = {
      {"xihu-sunshine-elder", "杭州市西湖区阳光助老服务中心", "Xihu Sunshine Elderly Care Service Centre", "52", 0,
       {"elder-care"}},
      {"chunlei-education", "杭州市春蕾助学促进会", "Hangzhou Chunlei Education Promotion Association", "51", 1,
       {"education", "children"}},
      {"qiantang-rescue", "杭州市钱塘区应急救援志愿者协会", "Qiantang Emergency Rescue Volunteers Association", "51", 6,
       {"disaster-relief"}},
      {"tongxin-children", "杭州市西湖区童心儿童关爱服务中心", "Xihu Tongxin Children's Care Service Centre", "52", 0,
       {"children"}},
      {"hz-critical-illness", "杭州市大病救助基金会", "Hangzhou Critical Illness Relief Foundation", "53", 2,
       {"medical-aid"}},
      {"lingyin-community", "杭州市西湖区灵隐社区公益服务中心", "Lingyin Community Public Service Centre", "52", 0,
       {"elder-care", "children"}},
      {"yinling-canteen", "杭州市上城区银龄长者食堂服务中心", "Shangcheng Silver Age Community Canteen Centre", "52", 1,
       {"elder-care"}},
      {"binjiang-youth", "杭州市滨江区青少年发展服务中心", "Binjiang Youth Development Service Centre", "52", 3,
       {"children", "education"}},
      {"yuhang-rural", "杭州市余杭区乡村振兴公益促进会", "Yuhang Rural Revitalisation Charity Association", "51", 5,
       {"education", "elder-care"}},
      {"gongshu-disability", "杭州市拱墅区助残服务中心", "Gongshu Disability Support Service Centre", "52", 2,
       {"medical-aid", "elder-care"}},
      {"aixin-scholarship", "杭州市爱心助学基金会", "Hangzhou Caring Scholarship Foundation", "53", 0, {"education"}},
      {"xiaoshan-volunteers", "杭州市萧山区志愿者协会", "Xiaoshan Volunteers Association", "51", 4,
       {"disaster-relief", "elder-care"}},
      {"anning-hospice", "杭州市安宁疗护关怀服务中心", "Hangzhou Hospice Care Service Centre", "52", 2, {"medical-aid"}},
      {"dandelion-reading", "杭州市西湖区蒲公英儿童阅读推广中心", "Xihu Dandelion Children's Reading Centre", "52", 0,
       {"children", "education"}},
      {"hz-women-children", "杭州市妇女儿童发展基金会", "Hangzhou Women and Children Development Foundation", "53", 1,
       {"children", "medical-aid"}},
      {"sandun-home-care", "杭州市西湖区三墩镇居家养老服务中心", "Sandun Home-based Elderly Care Centre", "52", 0,
       {"elder-care"}},
      {"xiaohe-leukemia", "杭州市小荷白血病患儿救助会", "Hangzhou Xiaohe Childhood Leukaemia Relief Association", "51",
       2, {"medical-aid", "children"}},
      {"zhuantang-rural-school", "杭州市西湖区转塘乡村学校助学中心", "Zhuantang Rural School Support Centre", "52", 0,
       {"education"}},
      {"hz-food-bank", "杭州市食物银行公益服务中心", "Hangzhou Food Bank Service Centre", "52", 1,
       {"elder-care", "disaster-relief"}},
      {"liangzhu-mutual-aid", "杭州市余杭区良渚邻里互助会", "Liangzhu Neighbourhood Mutual Aid Association", "51", 5,
       {"elder-care", "disaster-relief"}},
  };
  return c;
}

const std::vector<OrgSpec>& Merchants() {
  static const std::vector<OrgSpec> m = {
      {"xihu-charity-mart", "杭州市西湖区邻里爱心超市", "Xihu Neighbourhood Charity Supermarket", "92", 0, {}},
      {"wulin-barber", "杭州市拱墅区武林老杭州理发店", "Wulin Old Hangzhou Barbershop", "92", 2, {}},
      {"wensan-bookstore", "杭州市西湖区文三路社区书店", "Wensan Road Community Bookstore", "92", 0, {}},
  };
  return m;
}

const OrgSpec& Trustee() {
  static const OrgSpec t = {"xihu-trust", "浙江西湖信托股份有限公司", "Zhejiang Xihu Trust Co., Ltd.", "91", 0, {}};
  return t;
}

const std::vector<ProjectTemplate>& ProjectTemplates() {
  static const std::vector<ProjectTemplate> p = {
      {"elder-care", "{street}长者食堂助餐计划", "Community Canteen Meals for Elders, {street}",
       "为辖区80岁以上及困难老人提供每日午餐和送餐上门服务", 200'000, 800'000},
      {"elder-care", "{street}高龄独居老人关爱行动", "Care for Elders Living Alone, {street}",
       "定期探访独居老人，提供生活照料、紧急呼叫设备和节日慰问", 100'000, 400'000},
      {"elder-care", "{street}居家养老助浴服务", "Home Bathing Assistance for Elders, {street}",
       "为失能半失能老人提供上门助浴和居家护理服务", 80'000, 300'000},
      {"children", "{street}困境儿童营养午餐", "Nutritious Lunches for Children in Need, {street}",
       "为困境儿童提供营养午餐和成长陪伴", 100'000, 500'000},
      {"children", "{street}留守儿童四点半课堂", "After-school Classroom for Left-behind Children, {street}",
       "放学后作业辅导、兴趣课程和心理陪伴", 60'000, 300'000},
      {"children", "{district}儿童安全守护行动", "Child Safety Programme, {district}",
       "防溺水、交通安全教育和社区儿童安全设施改造", 100'000, 600'000},
      {"disaster-relief", "{district}防汛救灾物资储备", "Flood Relief Supplies Reserve, {district}",
       "汛期前储备救生衣、沙袋、应急照明和生活物资", 500'000, 3'000'000},
      {"disaster-relief", "{district}台风应急救援行动", "Typhoon Emergency Response, {district}",
       "台风过境后的受灾群众临时救助、转移安置和物资发放", 300'000, 2'000'000},
      {"disaster-relief", "{street}社区应急救护培训", "Community First-aid Training, {street}",
       "面向居民的心肺复苏和应急救护培训，配置AED设备", 80'000, 300'000},
      {"medical-aid", "{district}困难群众大病救助", "Critical Illness Aid for Low-income Residents, {district}",
       "对医保报销后仍有困难的大病患者给予医疗费用救助", 300'000, 2'000'000},
      {"medical-aid", "白血病患儿医疗救助（{district}）", "Medical Aid for Children with Leukaemia, {district}",
       "资助白血病患儿化疗和骨髓移植费用", 500'000, 2'000'000},
      {"medical-aid", "{street}慢病老人送药上门", "Medicine Delivery for Chronically Ill Elders, {street}",
       "为行动不便的慢病老人提供常用药品和上门随访", 60'000, 250'000},
      {"education", "{district}春蕾助学金", "Spring Bud Scholarships for Girls, {district}",
       "资助家庭困难女童完成学业", 100'000, 800'000},
      {"education", "{street}乡村学校图书角", "Library Corners for Rural Schools, {street}",
       "为乡村学校建设图书角并开展阅读推广", 50'000, 200'000},
      {"education", "{district}困难家庭大学新生助学金",
       "Grants for University Freshmen from Low-income Families, {district}",
       "一次性资助困难家庭大学新生入学费用", 200'000, 1'000'000},
  };
  return p;
}

const std::vector<SpendTemplate>& SpendTemplates() {
  static const std::vector<SpendTemplate> s = {
      {"elder-care", "material", "vendor", {"杭州市农副产品物流中心有限公司", "杭州联华华商集团有限公司"},
       "长者食堂食材采购，服务老人{n}人次", 200, 3000},
      {"elder-care", "service", "vendor", {"杭州颐乐餐饮管理有限公司", "杭州金秋养老服务有限公司"},
       "助餐送餐服务费，送餐{n}人次", 100, 2000},
      {"elder-care", "cash_aid", "individuals", {}, "高龄困难老人节日慰问金，{n}位老人", 10, 120},
      {"children", "material", "vendor", {"浙江新华书店集团有限公司", "杭州晨光文具经营部"},
       "学习用品和图书采购，惠及儿童{n}名", 20, 400},
      {"children", "service", "vendor", {"杭州心桥心理咨询有限公司"}, "儿童心理辅导与陪伴服务，{n}名儿童", 10, 200},
      {"children", "cash_aid", "individuals", {}, "困境儿童生活补助发放，{n}名儿童", 5, 80},
      {"disaster-relief", "material", "vendor", {"浙江安澜应急装备有限公司", "杭州百货采购供应站"},
       "救生衣、沙袋和应急照明采购，覆盖居民{n}人", 100, 5000},
      {"disaster-relief", "cash_aid", "individuals", {}, "受灾群众临时生活救助，{n}户", 5, 150},
      {"disaster-relief", "service", "vendor", {"杭州顺达物流有限公司"}, "救灾物资运输与分发，受益{n}人", 100, 3000},
      {"medical-aid", "cash_aid", "individuals", {}, "大病患者医疗费用救助，{n}名患者", 1, 30},
      {"medical-aid", "cash_aid", "organisation", {"浙江大学医学院附属儿童医院", "杭州市第一人民医院", "浙江省肿瘤医院"},
       "直接支付患者住院费用，{n}名患者", 1, 20},
      {"medical-aid", "material", "vendor", {"国药控股浙江有限公司"}, "常用药品采购与送药上门，{n}位慢病老人", 20, 300},
      {"education", "cash_aid", "individuals", {}, "助学金发放，{n}名学生", 5, 120},
      {"education", "material", "vendor", {"浙江新华书店集团有限公司"}, "乡村学校图书角图书采购，惠及学生{n}名", 50, 800},
      {"education", "service", "vendor", {"杭州启明教育咨询有限公司"}, "课后辅导和阅读推广服务，{n}名学生", 20, 300},
  };
  return s;
}

const std::vector<const char*>& AdminVendors() {
  static const std::vector<const char*> v = {"杭州求是会计师事务所有限公司", "杭州文三物业管理有限公司",
                                             "杭州西城办公用品有限公司"};
  return v;
}

const std::vector<const char*>& DonorDisplayNames() {
  static const std::vector<const char*> n = {
      "张女士",   "李先生",   "王阿姨",   "刘老师",       "陈先生",       "杨女士",     "赵大爷",
      "黄同学",   "周女士",   "吴先生",   "爱心人士",     "一位老党员",   "热心市民",   "退休教师",
      "一位母亲", "杭州市民", "某公司全体员工", "西湖区某小学三年级二班", "爱心车队", "社区舞蹈队"};
  return n;
}

const std::vector<const char*>& CompanyDonors() {
  static const std::vector<const char*> n = {"杭州某科技有限公司",   "浙江某实业集团有限公司", "某互联网公司公益基金",
                                             "杭州某建设集团有限公司", "某银行员工爱心社",       "浙江某医药股份有限公司"};
  return n;
}

const std::vector<const char*>& DonationMemos() {
  static const std::vector<const char*> m = {"为长者送上一份热饭", "愿孩子们健康成长", "一点心意",
                                             "防汛一线辛苦了",     "祝早日康复",       "支持乡村教育",
                                             "每月定额捐",         "公司年会结余捐赠", "日行一善"};
  return m;
}

const std::vector<const char*>& VolunteerActivities() {
  static const std::vector<const char*> a = {"长者食堂送餐",     "社区助老陪伴聊天", "防汛物资分装",
                                             "儿童课后作业辅导", "医院导诊志愿服务", "社区垃圾分类宣传",
                                             "敬老院文艺演出",   "爱心义剪"};
  return a;
}

const std::vector<RedeemItem>& RedeemItems() {
  static const std::vector<RedeemItem> r = {
      {"爱心理发一次", 30, "wulin-barber", "haircut", "One haircut"},
      {"米面粮油兑换（5公斤大米）", 50, "xihu-charity-mart", "rice-5kg", "Rice, 5 kg"},
      {"社区超市购物抵扣10元", 20, "xihu-charity-mart", "voucher-10-yuan", "10 yuan off shopping"},
      {"儿童绘本一本", 40, "wensan-bookstore", "picture-book", "A children's picture book"},
      {"鸡蛋一盒", 15, "xihu-charity-mart", "eggs-box", "A box of eggs"},
      {"洗衣液一瓶", 25, "xihu-charity-mart", "laundry-liquid", "A bottle of laundry liquid"},
  };
  return r;
}

}  // namespace shanliu::cli::demo
