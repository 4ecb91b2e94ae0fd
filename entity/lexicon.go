package entity

// Words by language, folded (lower case, no accents; see flows.Fold).

// numberWords maps the number words of each language to their value;
// compounds (ventidue, twenty two, treinta y dos) are read by combining
// tens and units. Articles (un, a, an) are left out: "un rimborso" is not
// a number.
var numberWords = map[string]map[string]float64{
	"it": withHundreds(withTens(map[string]float64{
		"zero": 0, "uno": 1, "una": 1, "due": 2, "tre": 3, "quattro": 4, "cinque": 5, "sei": 6, "sette": 7, "otto": 8, "nove": 9,
		"dieci": 10, "undici": 11, "dodici": 12, "tredici": 13, "quattordici": 14, "quindici": 15, "sedici": 16,
		"diciassette": 17, "diciotto": 18, "diciannove": 19, "cento": 100, "mille": 1000,
	}, map[string]float64{"venti": 20, "trenta": 30, "quaranta": 40, "cinquanta": 50, "sessanta": 60, "settanta": 70, "ottanta": 80, "novanta": 90},
		[]string{"uno", "due", "tre", "quattro", "cinque", "sei", "sette", "otto", "nove"})),
	"en": {
		"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
		"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
		"seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
		"sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000, "dozen": 12,
	},
	"es": {
		"cero": 0, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8, "nueve": 9,
		"diez": 10, "once": 11, "doce": 12, "trece": 13, "catorce": 14, "quince": 15, "dieciseis": 16, "diecisiete": 17,
		"dieciocho": 18, "diecinueve": 19, "veinte": 20, "veintiuno": 21, "veintiuna": 21, "veintidos": 22, "veintitres": 23,
		"veinticuatro": 24, "veinticinco": 25, "veintiseis": 26, "veintisiete": 27, "veintiocho": 28, "veintinueve": 29,
		"treinta": 30, "cuarenta": 40, "cincuenta": 50, "sesenta": 60, "setenta": 70, "ochenta": 80, "noventa": 90,
		"cien": 100, "ciento": 100, "mil": 1000,
		"doscientos": 200, "doscientas": 200, "trescientos": 300, "trescientas": 300, "cuatrocientos": 400, "cuatrocientas": 400,
		"quinientos": 500, "quinientas": 500, "seiscientos": 600, "seiscientas": 600, "setecientos": 700, "setecientas": 700,
		"ochocientos": 800, "ochocientas": 800, "novecientos": 900, "novecientas": 900,
	},
}

// withHundreds adds the Italian hundreds and thousands, written as one
// word: duecento, centocinque, trecentoventidue, centottanta (the
// hundred's o drops before otto, ottanta, uno), duemila.
func withHundreds(m map[string]float64) map[string]float64 {
	units := []string{"", "", "due", "tre", "quattro", "cinque", "sei", "sette", "otto", "nove"}
	var below []string // the words of 1 to 99
	for w, v := range m {
		if v >= 1 && v < 100 {
			below = append(below, w)
		}
	}
	for h := 1; h <= 9; h++ {
		hundred := units[h] + "cento"
		m[hundred] = float64(100 * h)
		for _, w := range below {
			v := float64(100*h) + m[w]
			m[hundred+w] = v
			if w[0] == 'o' || w[0] == 'u' {
				m[hundred[:len(hundred)-1]+w] = v
			}
		}
		if h >= 2 {
			m[units[h]+"mila"] = float64(1000 * h)
		}
	}
	return m
}

// thousandWords multiply the number before them by a thousand: "two
// thousand", "dos mil".
var thousandWords = map[string]bool{"thousand": true, "mil": true, "mila": true}

// withTens adds the Italian compounds: venti + tre = ventitre, venti + uno =
// ventuno (the tens lose their last vowel before uno and otto).
func withTens(m, tens map[string]float64, units []string) map[string]float64 {
	for t, tv := range tens {
		m[t] = tv
		for i, u := range units {
			stem := t
			if u == "uno" || u == "otto" {
				stem = t[:len(t)-1]
			}
			m[stem+u] = tv + float64(i+1)
		}
	}
	return m
}

// tensWords can be followed by a unit word ("twenty two", "treinta y dos").
var tensWords = map[string]bool{
	"twenty": true, "thirty": true, "forty": true, "fifty": true, "sixty": true, "seventy": true, "eighty": true, "ninety": true,
	"treinta": true, "cuarenta": true, "cincuenta": true, "sesenta": true, "setenta": true, "ochenta": true, "noventa": true,
}

var weekdays = map[string]map[string]int{ // time.Weekday
	"it": {"domenica": 0, "lunedi": 1, "martedi": 2, "mercoledi": 3, "giovedi": 4, "venerdi": 5, "sabato": 6},
	"en": {"sunday": 0, "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6,
		"sun": 0, "mon": 1, "tue": 2, "tues": 2, "wed": 3, "thu": 4, "thur": 4, "thurs": 4, "fri": 5, "sat": 6},
	"es": {"domingo": 0, "lunes": 1, "martes": 2, "miercoles": 3, "jueves": 4, "viernes": 5, "sabado": 6},
}

var months = map[string]map[string]int{
	"it": {"gennaio": 1, "febbraio": 2, "marzo": 3, "aprile": 4, "maggio": 5, "giugno": 6, "luglio": 7, "agosto": 8,
		"settembre": 9, "ottobre": 10, "novembre": 11, "dicembre": 12,
		"gen": 1, "feb": 2, "mar": 3, "apr": 4, "mag": 5, "giu": 6, "lug": 7, "ago": 8, "set": 9, "ott": 10, "nov": 11, "dic": 12},
	"en": {"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
		"september": 9, "october": 10, "november": 11, "december": 12,
		"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12},
	"es": {"enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8,
		"septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12},
}

// relativeDays are days counted from today; phrases are folded words
// joined by spaces, longest first when read.
var relativeDays = map[string]map[string]int{
	"it": {"oggi": 0, "stasera": 0, "stamattina": 0, "domani": 1, "dopodomani": 2, "dopo domani": 2, "ieri": -1, "l altro ieri": -2},
	"en": {"today": 0, "tonight": 0, "tomorrow": 1, "day after tomorrow": 2, "the day after tomorrow": 2, "yesterday": -1},
	"es": {"hoy": 0, "esta noche": 0, "manana": 1, "pasado manana": 2, "ayer": -1},
}

// nextWords before or after a weekday mean the first one after today;
// thisWords the first one from today.
var nextWords = map[string]map[string]bool{
	"it": {"prossimo": true, "prossima": true},
	"en": {"next": true},
	"es": {"proximo": true, "proxima": true, "que viene": true},
}

var thisWords = map[string]map[string]bool{
	"it": {"questo": true, "questa": true, "il": true, "la": true, "di": true, "per": true},
	"en": {"this": true, "on": true, "coming": true},
	"es": {"este": true, "esta": true, "el": true, "la": true},
}

// rangeWords introduce and join the ends of a date range.
var rangeFrom = map[string]map[string]bool{
	"it": {"dal": true, "da": true, "tra": true, "fra": true},
	"en": {"from": true, "between": true},
	"es": {"de": true, "del": true, "desde": true, "entre": true},
}

var rangeTo = map[string]map[string]bool{
	"it": {"al": true, "a": true, "e": true, "fino": true},
	"en": {"to": true, "and": true, "till": true, "until": true, "through": true},
	"es": {"al": true, "a": true, "hasta": true, "y": true},
}

var weekendWords = map[string][]string{
	"it": {"questo weekend", "questo fine settimana", "il weekend", "il fine settimana", "nel weekend", "weekend", "fine settimana"},
	"en": {"this weekend", "the weekend", "weekend"},
	"es": {"este fin de semana", "el fin de semana", "fin de semana"},
}

var nextWeekWords = map[string][]string{
	"it": {"la prossima settimana", "la settimana prossima", "prossima settimana", "settimana prossima"},
	"en": {"next week"},
	"es": {"la proxima semana", "la semana que viene", "proxima semana", "semana que viene"},
}

// inWords count days from today: "tra 3 giorni", "in 3 days", "en 3 dias".
var inWords = map[string]map[string]bool{
	"it": {"tra": true, "fra": true},
	"en": {"in": true},
	"es": {"en": true, "dentro de": true},
}

// timeCues come before an hour: "alle 8", "at 7", "a las 9".
var timeCues = map[string][]string{
	"it": {"alle ore", "alle", "all", "per le", "verso le", "ore"},
	"en": {"at around", "at about", "at"},
	"es": {"a las", "a la", "sobre las", "hacia las"},
}

// dayParts after an hour: +12 for the afternoon and evening; the night
// adds 12 from 6 on ("alle 11 di notte" is 23:00, "alle 2 di notte" 02:00).
type dayPart int

const (
	morning dayPart = iota + 1
	afternoon
	night
)

var dayParts = map[string]map[string]dayPart{
	"it": {"di mattina": morning, "del mattino": morning, "di mattino": morning, "di pomeriggio": afternoon, "del pomeriggio": afternoon,
		"di sera": afternoon, "della sera": afternoon, "stasera": afternoon, "di notte": night, "della notte": night},
	"en": {"am": morning, "a m": morning, "in the morning": morning, "pm": afternoon, "p m": afternoon, "in the afternoon": afternoon,
		"in the evening": afternoon, "tonight": afternoon, "at night": night},
	"es": {"de la manana": morning, "por la manana": morning, "de la tarde": afternoon, "por la tarde": afternoon,
		"de la noche": night, "por la noche": night},
}

// leadParts are the words for a part of the day said before the time
// (the later ones: a morning changes nothing):
// "stasera alle 8", "domani sera alle 9", "tonight at 8", "Saturday
// evening at 8", "esta noche a las 9", "el sábado por la tarde a las 5".
var leadParts = map[string]map[string]dayPart{
	"it": {"pomeriggio": afternoon, "sera": afternoon, "stasera": afternoon, "serata": afternoon, "notte": night, "stanotte": night},
	"en": {"afternoon": afternoon, "evening": afternoon, "tonight": afternoon, "night": night},
	"es": {"tarde": afternoon, "noche": night},
}

// minuteWords after an hour: "e mezza", "y cuarto", "meno un quarto".
var minuteWords = map[string]map[string]int{
	"it": {"e mezza": 30, "e mezzo": 30, "e un quarto": 15, "e tre quarti": 45, "meno un quarto": -15, "meno un quarto di": -15},
	"en": {"thirty": 30, "fifteen": 15, "forty five": 45, "o clock": 0},
	"es": {"y media": 30, "y cuarto": 15, "menos cuarto": -15, "en punto": 0},
}

// namedTimes are times by name.
var namedTimes = map[string]map[string]string{
	"it": {"mezzogiorno": "12:00", "mezzanotte": "00:00"},
	"en": {"noon": "12:00", "midday": "12:00", "midnight": "00:00"},
	"es": {"mediodia": "12:00", "medianoche": "00:00"},
}

// durationUnits map unit words to ISO 8601 designators.
var durationUnits = map[string]map[string]string{
	"it": {"secondo": "S", "secondi": "S", "minuto": "M", "minuti": "M", "min": "M", "ora": "H", "ore": "H",
		"giorno": "D", "giorni": "D", "settimana": "W", "settimane": "W", "mese": "MO", "mesi": "MO", "anno": "Y", "anni": "Y"},
	"en": {"second": "S", "seconds": "S", "sec": "S", "secs": "S", "minute": "M", "minutes": "M", "min": "M", "mins": "M",
		"hour": "H", "hours": "H", "hr": "H", "hrs": "H", "h": "H", "day": "D", "days": "D", "week": "W", "weeks": "W",
		"month": "MO", "months": "MO", "year": "Y", "years": "Y"},
	"es": {"segundo": "S", "segundos": "S", "minuto": "M", "minutos": "M", "min": "M", "hora": "H", "horas": "H",
		"dia": "D", "dias": "D", "semana": "W", "semanas": "W", "mes": "MO", "meses": "MO", "ano": "Y", "anos": "Y"},
}

// halfWords make a half unit: "mezz'ora", "half an hour", "media hora".
var halfWords = map[string]map[string]bool{
	"it": {"mezz": true, "mezza": true, "mezzo": true},
	"en": {"half": true},
	"es": {"media": true, "medio": true},
}

// aWords stand for one before a unit: "un'ora", "an hour", "una semana".
var aWords = map[string]map[string]bool{
	"it": {"un": true, "una": true, "uno": true},
	"en": {"a": true, "an": true, "one": true},
	"es": {"un": true, "una": true, "uno": true},
}

// currencies map symbols and words to ISO 4217 codes.
var currencies = map[string]string{
	"€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
	"$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD", "dollaro": "USD", "dollari": "USD", "dolar": "USD", "dolares": "USD",
	"£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "sterlina": "GBP", "sterline": "GBP", "libra": "GBP", "libras": "GBP",
}
