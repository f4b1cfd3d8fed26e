package demo

// Word lists for realistic-looking (entirely invented) people and cases.

var firstNames = []string{"Amara", "Jonas", "Priya", "Mateo", "Yuki", "Fatima", "Lukas", "Chloé",
	"Oluwaseun", "Sofia", "Arjun", "Elena", "Kwame", "Mei", "Diego", "Hannah", "Tariq", "Ingrid",
	"Santiago", "Aisha", "Noah", "Zeynep", "Ivan", "Leila", "Tomás", "Nadia", "Emeka", "Freya",
	"Rahul", "Camila", "Jakob", "Siobhan", "Hiroshi", "Ana", "Bilal", "Marta", "Kofi", "Elif",
	"Pavel", "Lucía"}

var lastNames = []string{"Okafor", "Schmidt", "Sharma", "García", "Tanaka", "Haddad", "Müller",
	"Dubois", "Adeyemi", "Rossi", "Patel", "Popescu", "Mensah", "Chen", "Hernández", "Johansson",
	"Rahman", "Larsen", "Silva", "Khan", "Novak", "Yılmaz", "Petrov", "Nasser", "Ferreira",
	"Kowalski", "Nwosu", "O'Brien", "Kumar", "Torres", "Weber", "Murphy", "Sato", "Costa",
	"Ahmed", "Nieminen", "Boateng", "Demir", "Horvath", "Moreno"}

type place struct{ city, region, postal, country string }

var places = []place{
	{"Berlin", "BE", "10115", "DE"}, {"Lagos", "LA", "100001", "NG"}, {"Mumbai", "MH", "400001", "IN"},
	{"Madrid", "MD", "28001", "ES"}, {"Osaka", "27", "530-0001", "JP"}, {"Austin", "TX", "78701", "US"},
	{"Lyon", "ARA", "69001", "FR"}, {"Accra", "AA", "GA-001", "GH"}, {"São Paulo", "SP", "01000-000", "BR"},
	{"Toronto", "ON", "M5H 2N2", "CA"}, {"Manchester", "ENG", "M1 1AE", "GB"}, {"Istanbul", "34", "34000", "TR"},
	{"Warsaw", "MZ", "00-001", "PL"}, {"Dubai", "DU", "00000", "AE"}, {"Singapore", "SG", "018956", "SG"},
	{"Mexico City", "CMX", "06000", "MX"}, {"Nairobi", "30", "00100", "KE"}, {"Helsinki", "18", "00100", "FI"},
}

var streets = []string{"Market Street", "Hauptstraße", "Rue de la Paix", "Calle Mayor", "Station Road",
	"Ring Road", "Harbour View", "Church Lane", "Independence Ave", "Park Avenue"}

var tagPool = []string{"vip", "high-risk", "pep", "repeat-applicant", "manual-review", "sanctions",
	"velocity", "new-device", "crypto", "chargeback"}

var commentPool = []string{
	"Selfie matches the ID photo; address confirmed via utility bill.",
	"Watchlist hit is a namesake: different birth year and nationality.",
	"Asked the customer for a bank statement covering the last 3 months.",
	"Device was seen on two other accounts this week; escalating.",
	"Phone number is a VoIP line registered yesterday.",
	"Adverse media article concerns a company with a similar name; dismissed.",
	"Documents received, reviewing now.",
	"Transaction velocity is unusual for a new account; holding for review.",
	"Customer confirmed the purchase by phone.",
	"ID document is expired; requested a current one.",
}

var merchants = []string{"Nordic Outfitters", "Café Lumière", "QuickFuel", "ByteMart", "Sakura Books",
	"Global Air", "CryptoSwap", "Harbor Grocers", "StreamMax", "Atlas Hotels"}

var currencies = []string{"EUR", "USD", "GBP", "NGN", "INR", "JPY", "BRL"}

var deviceOS = []string{"iOS 18.2", "Android 15", "Windows 11", "macOS 15", "ChromeOS"}

var riskSignals = []string{"ip_country_mismatch", "disposable_email", "emulator_detected",
	"document_tampering", "velocity_spike", "proxy_detected", "name_dob_mismatch", "shared_device"}
