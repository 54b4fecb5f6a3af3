package i18n

import "strings"

// regionNames are the names of the regions a batch is most often sold in:
// China's provinces and regions (ISO 3166-2:CN) and a few countries. A
// region not listed is written as its code.
var regionNames = map[string]Text{
	"CN": {"China", "中国"}, "HK": {"Hong Kong", "香港"}, "MO": {"Macao", "澳门"}, "TW": {"Taiwan", "台湾"},
	"SG": {"Singapore", "新加坡"}, "JP": {"Japan", "日本"}, "KR": {"South Korea", "韩国"},
	"US": {"the United States", "美国"}, "GB": {"the United Kingdom", "英国"}, "DE": {"Germany", "德国"},
	"FR": {"France", "法国"}, "AU": {"Australia", "澳大利亚"},
	"CN-AH": {"Anhui", "安徽"}, "CN-BJ": {"Beijing", "北京"}, "CN-CQ": {"Chongqing", "重庆"},
	"CN-FJ": {"Fujian", "福建"}, "CN-GD": {"Guangdong", "广东"}, "CN-GS": {"Gansu", "甘肃"},
	"CN-GX": {"Guangxi", "广西"}, "CN-GZ": {"Guizhou", "贵州"}, "CN-HA": {"Henan", "河南"},
	"CN-HB": {"Hubei", "湖北"}, "CN-HE": {"Hebei", "河北"}, "CN-HI": {"Hainan", "海南"},
	"CN-HK": {"Hong Kong", "香港"}, "CN-HL": {"Heilongjiang", "黑龙江"}, "CN-HN": {"Hunan", "湖南"},
	"CN-JL": {"Jilin", "吉林"}, "CN-JS": {"Jiangsu", "江苏"}, "CN-JX": {"Jiangxi", "江西"},
	"CN-LN": {"Liaoning", "辽宁"}, "CN-MO": {"Macao", "澳门"}, "CN-NM": {"Inner Mongolia", "内蒙古"},
	"CN-NX": {"Ningxia", "宁夏"}, "CN-QH": {"Qinghai", "青海"}, "CN-SC": {"Sichuan", "四川"},
	"CN-SD": {"Shandong", "山东"}, "CN-SH": {"Shanghai", "上海"}, "CN-SN": {"Shaanxi", "陕西"},
	"CN-SX": {"Shanxi", "山西"}, "CN-TJ": {"Tianjin", "天津"}, "CN-TW": {"Taiwan", "台湾"},
	"CN-XJ": {"Xinjiang", "新疆"}, "CN-XZ": {"Tibet", "西藏"}, "CN-YN": {"Yunnan", "云南"},
	"CN-ZJ": {"Zhejiang", "浙江"},
}

// RegionName returns the name of a region code ("CN-GD") in language l
// ("Guangdong", "广东"), or the code itself if it has none here.
func RegionName(l Lang, code string) string {
	if t, ok := regionNames[strings.ToUpper(code)]; ok {
		return t.in(l)
	}
	return code
}

// RegionNames returns the name of every region RegionName knows, in
// language l, by code: for a page's script.
func RegionNames(l Lang) map[string]string {
	out := make(map[string]string, len(regionNames))
	for code, t := range regionNames {
		out[code] = t.in(l)
	}
	return out
}
