package scaffold

// A language the scaffold writes a flow in: its texts, the human-request
// keywords and what the tests say to it.
type language struct {
	Code     string
	Name     string // in English, for messages
	Timezone string // the business hours' timezone
	Texts    map[string]string
	// Keywords ask for a person; Synonyms pick the menu's options.
	Keywords []string
	Synonyms map[string][]string
	// What the tests' customer and agent say: a greeting, an answer
	// without an email, the agent's first reply.
	Hello, NotEmail, AgentReply string
}

// languages are the languages a scaffold can speak, by code.
var languages = map[string]*language{
	"it": {
		Code: "it", Name: "Italian", Timezone: "Europe/Rome",
		Texts: map[string]string{
			"welcome":       "Ciao! 👋 Sono l'assistente virtuale di $NAME.",
			"menu":          "Come posso aiutarti?",
			"opt_hours":     "Orari di apertura",
			"opt_email":     "Lascia la tua email",
			"opt_human":     "Parla con noi",
			"hours":         "Siamo aperti dal lunedì al venerdì, dalle 9 alle 18.",
			"ask_email":     "Qual è il tuo indirizzo email? Un collega ti scriverà.",
			"invalid_email": "Non sembra un indirizzo email: prova con qualcosa come nome@esempio.it.",
			"thanks_email":  "Grazie! Ti scriviamo a {{ email }} entro un giorno lavorativo.",
			"anything_else": "Posso aiutarti in altro?",
			"yes":           "Sì",
			"no":            "No, grazie",
			"bye":           "Grazie di averci scritto. Buona giornata!",
			"handoff":       "Ti passo a un collega: ti risponderà qui.",
			"after_hours":   "Ora siamo chiusi: un collega ti risponderà qui appena apriamo (dal lunedì al venerdì, dalle 9 alle 18).",
			"no_match_1":    "Scusa, non ho capito. Puoi scegliere una delle opzioni?",
			"no_match_2":    "Ancora non ci capiamo. Rispondi con il numero dell'opzione, oppure scrivi «operatore» per parlare con una persona.",
			"timeout":       "Ci sei ancora? Scrivimi quando vuoi.",
			"csat":          "Com'è andata, da 1 a 5?",
			"csat_thanks":   "Grazie del tuo giudizio!",
		},
		Keywords: []string{"operatore", "operatrice", "persona vera", "umano"},
		Synonyms: map[string][]string{
			"hours": {"orari", "orario", "aperti"},
			"email": {"email", "mail", "contatto"},
			"human": {"assistenza", "persona"},
		},
		Hello: "ciao", NotEmail: "non ce l'ho", AgentReply: "Ciao, sono Marco: come posso aiutarti?",
	},
	"en": {
		Code: "en", Name: "English", Timezone: "Europe/London",
		Texts: map[string]string{
			"welcome":       "Hi! 👋 I'm the virtual assistant of $NAME.",
			"menu":          "How can I help you?",
			"opt_hours":     "Opening hours",
			"opt_email":     "Leave your email",
			"opt_human":     "Talk to a person",
			"hours":         "We're open Monday to Friday, 9am to 6pm.",
			"ask_email":     "What's your email address? A colleague will write to you.",
			"invalid_email": "That doesn't look like an email address: try something like name@example.com.",
			"thanks_email":  "Thanks! We'll write to {{ email }} within one working day.",
			"anything_else": "Anything else I can do for you?",
			"yes":           "Yes",
			"no":            "No, thanks",
			"bye":           "Thanks for writing to us. Have a good day!",
			"handoff":       "I'm passing you to a colleague: they'll answer you here.",
			"after_hours":   "We're closed right now: a colleague will answer you here as soon as we open (Monday to Friday, 9am to 6pm).",
			"no_match_1":    "Sorry, I didn't get that. Could you pick one of the options?",
			"no_match_2":    "Sorry, I still don't understand. Answer with the option's number, or write \"agent\" to talk to a person.",
			"timeout":       "Are you still there? Write to me whenever you like.",
			"csat":          "How did we do, from 1 to 5?",
			"csat_thanks":   "Thank you for your feedback!",
		},
		Keywords: []string{"agent", "operator", "human", "real person"},
		Synonyms: map[string][]string{
			"hours": {"hours", "open", "opening times"},
			"email": {"email", "mail", "contact me"},
			"human": {"person", "someone", "support"},
		},
		Hello: "hi", NotEmail: "I don't have one", AgentReply: "Hi, I'm Marco: how can I help?",
	},
	"es": {
		Code: "es", Name: "Spanish", Timezone: "Europe/Madrid",
		Texts: map[string]string{
			"welcome":       "¡Hola! 👋 Soy el asistente virtual de $NAME.",
			"menu":          "¿En qué puedo ayudarte?",
			"opt_hours":     "Horario",
			"opt_email":     "Deja tu email",
			"opt_human":     "Hablar con alguien",
			"hours":         "Abrimos de lunes a viernes, de 9:00 a 18:00.",
			"ask_email":     "¿Cuál es tu dirección de email? Un compañero te escribirá.",
			"invalid_email": "No parece una dirección de email: prueba con algo como nombre@ejemplo.es.",
			"thanks_email":  "¡Gracias! Te escribimos a {{ email }} en un día laborable.",
			"anything_else": "¿Puedo ayudarte en algo más?",
			"yes":           "Sí",
			"no":            "No, gracias",
			"bye":           "Gracias por escribirnos. ¡Que tengas un buen día!",
			"handoff":       "Te paso con un compañero: te responderá aquí.",
			"after_hours":   "Ahora estamos cerrados: un compañero te responderá aquí en cuanto abramos (de lunes a viernes, de 9:00 a 18:00).",
			"no_match_1":    "Perdona, no te he entendido. ¿Puedes elegir una de las opciones?",
			"no_match_2":    "Sigo sin entenderte. Responde con el número de la opción, o escribe «agente» para hablar con una persona.",
			"timeout":       "¿Sigues ahí? Escríbeme cuando quieras.",
			"csat":          "¿Qué tal lo hicimos, del 1 al 5?",
			"csat_thanks":   "¡Gracias por tu opinión!",
		},
		Keywords: []string{"agente", "operador", "persona real", "humano"},
		Synonyms: map[string][]string{
			"hours": {"horario", "horarios", "abiertos"},
			"email": {"email", "correo", "contacto"},
			"human": {"persona", "alguien", "ayuda"},
		},
		Hello: "hola", NotEmail: "no tengo", AgentReply: "Hola, soy Marco: ¿en qué puedo ayudarte?",
	},
}
