package i18n

import "strings"

// places names the regions genuine's merchants and partners are likely to
// be in, as people say them: the countries with a default time zone
// (genuine.DefaultTimeZone) and a few more, mainland China's provinces,
// regions and municipalities (ISO 3166-2:CN), and the cities the examples
// use. A region code is named only if each of its levels is here.
var places = map[string]Text{
	"CN": {"China", "中国"},
	"HK": {"Hong Kong", "中国香港"},
	"MO": {"Macao", "中国澳门"},
	"TW": {"Taiwan", "中国台湾"},
	"SG": {"Singapore", "新加坡"},
	"MY": {"Malaysia", "马来西亚"},
	"TH": {"Thailand", "泰国"},
	"VN": {"Vietnam", "越南"},
	"PH": {"the Philippines", "菲律宾"},
	"JP": {"Japan", "日本"},
	"KR": {"South Korea", "韩国"},
	"IN": {"India", "印度"},
	"AE": {"the United Arab Emirates", "阿联酋"},
	"GB": {"the United Kingdom", "英国"},
	"IE": {"Ireland", "爱尔兰"},
	"FR": {"France", "法国"},
	"DE": {"Germany", "德国"},
	"IT": {"Italy", "意大利"},
	"ES": {"Spain", "西班牙"},
	"NL": {"the Netherlands", "荷兰"},
	"CH": {"Switzerland", "瑞士"},
	"NZ": {"New Zealand", "新西兰"},
	"AU": {"Australia", "澳大利亚"},
	"CA": {"Canada", "加拿大"},
	"US": {"the United States", "美国"},

	"CN-AH": {"Anhui", "安徽"},
	"CN-BJ": {"Beijing", "北京"},
	"CN-CQ": {"Chongqing", "重庆"},
	"CN-FJ": {"Fujian", "福建"},
	"CN-GD": {"Guangdong", "广东"},
	"CN-GS": {"Gansu", "甘肃"},
	"CN-GX": {"Guangxi", "广西"},
	"CN-GZ": {"Guizhou", "贵州"},
	"CN-HA": {"Henan", "河南"},
	"CN-HB": {"Hubei", "湖北"},
	"CN-HE": {"Hebei", "河北"},
	"CN-HI": {"Hainan", "海南"},
	"CN-HL": {"Heilongjiang", "黑龙江"},
	"CN-HN": {"Hunan", "湖南"},
	"CN-JL": {"Jilin", "吉林"},
	"CN-JS": {"Jiangsu", "江苏"},
	"CN-JX": {"Jiangxi", "江西"},
	"CN-LN": {"Liaoning", "辽宁"},
	"CN-NM": {"Inner Mongolia", "内蒙古"},
	"CN-NX": {"Ningxia", "宁夏"},
	"CN-QH": {"Qinghai", "青海"},
	"CN-SC": {"Sichuan", "四川"},
	"CN-SD": {"Shandong", "山东"},
	"CN-SH": {"Shanghai", "上海"},
	"CN-SN": {"Shaanxi", "陕西"},
	"CN-SX": {"Shanxi", "山西"},
	"CN-TJ": {"Tianjin", "天津"},
	"CN-XJ": {"Xinjiang", "新疆"},
	"CN-XZ": {"Tibet", "西藏"},
	"CN-YN": {"Yunnan", "云南"},
	"CN-ZJ": {"Zhejiang", "浙江"},

	"CN-GD-GZ": {"Guangzhou", "广州"},
	"CN-GD-SZ": {"Shenzhen", "深圳"},
}

// Place returns a region code as people say the place in language l,
// the largest place last in English and first in Chinese: "CN-GD" is
// "Guangdong, China" and "中国广东"; "CN-GD-SZ" "Shenzhen, Guangdong,
// China" and "中国广东深圳". A code with a level not in the table, or
// that is no region code, is returned as it is.
func Place(l Lang, region string) string {
	parts := strings.Split(region, "-")
	names := make([]string, len(parts))
	for i := range parts {
		t, ok := places[strings.Join(parts[:i+1], "-")]
		if !ok {
			return region
		}
		names[i] = t.in(l)
	}
	if l == ZH {
		return strings.Join(names, "")
	}
	for i, j := 0, len(names)-1; i < j; i, j = i+1, j-1 {
		names[i], names[j] = names[j], names[i]
	}
	return strings.Join(names, ", ")
}

// RegionName returns the name of a region code alone, without the places
// it is in ("CN-GD" is "Guangdong", "广东"), as a list of a batch's sales
// regions says it; the code itself if it has none here.
func RegionName(l Lang, code string) string {
	if t, ok := places[strings.ToUpper(code)]; ok {
		return t.in(l)
	}
	return code
}

// RegionNames returns the name of every region RegionName knows, in
// language l, by code: for a page's script.
func RegionNames(l Lang) map[string]string {
	out := make(map[string]string, len(places))
	for code, t := range places {
		out[code] = t.in(l)
	}
	return out
}
