/*
 * classify.c - the requirement classifier: functional, or which quality.
 *
 * Every category has cue words and phrases with a weight ("response time"
 * counts 5 for performance, "colours" 5 for look and feel). A phrase word
 * ending in '*' matches any word it begins ("encrypt*": encrypted,
 * encryption), and "#" matches a number. Each cue counts once per sentence;
 * a category's score is the sum of its cues, and measures found by code
 * (a number before a unit of time, of size, or of users) add to it. The
 * main verb weighs for "functional": "shall allow", "can record", an
 * imperative "Search for ...", and single cue words that come after that
 * verb count half, since they name what the feature handles ("record the
 * speed of each vehicle" is not about performance), except words marked
 * Q that name a quality whatever they describe ("intuitive", "sound",
 * "releases"), so a feature verb does not beat a clear quality. A feature
 * in the passive ("shall be returned to the user") weighs 1. Domain nouns
 * count only in their quality sense: "audit trail" not "audit report",
 * "scale to" not "a scale of 1 to 10", "be available" not when a report
 * or a list is the subject, "100% of the time" is a rule not an uptime.
 * A non-functional category wins when its score reaches CLASSIFY_MIN and
 * beats the functional weight; ties go to the category listed first in
 * classify_categories. Otherwise the sentence is functional.
 *
 * Matching is by the first three bytes of each cue's first word: an index
 * of the cue table by those bytes is built on the stack per call (about a
 * thousand stores), so a sentence costs a few microseconds and no
 * allocation.
 */
#include <string.h>

#include "analyze/classify.h"
#include "banned.h"

enum cat {
	C_FUNC, C_SE, C_US, C_PE, C_O, C_LF, C_A, C_SC, C_MN, C_L, C_FT, C_PO,
	C_N
};

const char *const classify_categories[] = {
	"functional", "security", "usability", "performance", "operational",
	"look and feel", "availability", "scalability", "maintainability",
	"legal", "fault tolerance", "portability", NULL
};

/*
 * A non-functional category needs at least this score to win, and more
 * than the functional weight. One cue is enough when no action verb
 * speaks for a feature: requirements without one are mostly qualities.
 */
#define CLASSIFY_MIN 1

/* The phrase is kept in the entry so that indexing the table reads it in order. */
struct cue {
	char phrase[40];    /* longest today: 31 bytes */
	unsigned char cat;  /* enum cat, with Q or-ed in */
	unsigned char weight;
};

/*
 * Or-ed into a single-word cue's category when the word names a quality
 * whatever it describes ("intuitive", "sound", "releases"): such a cue
 * weighs in full after the main verb.
 */
#define Q 0x40
#define CUE_CAT(c) ((c)->cat & ~Q)

static const struct cue cues[] = {
	/* functional: phrases that carry an NFR word but name a feature */
	{ "colour code*", C_FUNC, 6 },
	{ "color code*", C_FUNC, 6 },
	{ "colour-cod*", C_FUNC, 6 },
	{ "color-cod*", C_FUNC, 6 },
	{ "look up", C_FUNC, 3 },
	{ "maintenance request*", C_FUNC, 4 },
	{ "reset the password", C_FUNC, 3 },
	{ "change the password", C_FUNC, 3 },
	{ "forgotten password*", C_FUNC, 3 },

	/* security */
	{ "audit trail*", C_SE, 5 },
	{ "audit log*", C_SE, 5 },
	{ "audited", C_SE, 4 },
	{ "auditing", C_SE, 4 },
	{ "auditable", C_SE, 4 },
	{ "valid data", C_SE, 3 },
	{ "invalid data", C_SE, 3 },
	{ "only valid", C_SE, 4 },
	{ "cookie*", C_SE, 3 },
	{ "login details", C_SE, 4 },
	{ "login information", C_SE, 4 },
	{ "cannot be viewed", C_SE, 4 },
	{ "cannot be seen", C_SE, 4 },
	{ "log out", C_SE, 3 },
	{ "of inactivity", C_SE, 3 },
	{ "allow only", C_SE, 5 },
	{ "not reveal", C_SE, 3 },
	{ "time out", C_SE, 4 },
	{ "timeout", C_SE, 4 },
	{ "times out", C_SE, 4 },
	{ "session", C_SE, 2 },
	{ "log in before", C_SE, 3 },
	{ "secur*", C_SE, 5 },
	{ "security patch*", C_SE, 2 },
	{ "authori*", C_SE, 4 },
	{ "unauthori*", C_SE, 5 },
	{ "authentic*", C_SE, 5 },
	{ "encrypt*", C_SE, 5 },
	{ "decrypt*", C_SE, 4 },
	{ "password*", C_SE, 3 },
	{ "passcode*", C_SE, 3 },
	{ "pin", C_SE, 2 },
	{ "fingerprint", C_SE, 3 },
	{ "biometric*", C_SE, 4 },
	{ "two-factor", C_SE, 5 },
	{ "multi-factor", C_SE, 5 },
	{ "access to", C_SE, 3 },
	{ "access the", C_SE, 2 },
	{ "access any", C_SE, 2 },
	{ "accessible only", C_SE, 5 },
	{ "only be accessible", C_SE, 5 },
	{ "only be accessed", C_SE, 5 },
	{ "only accessible", C_SE, 5 },
	{ "be accessed by", C_SE, 4 },
	{ "have access", C_SE, 3 },
	{ "restrict*", C_SE, 4 },
	{ "permission*", C_SE, 4 },
	{ "privilege*", C_SE, 4 },
	{ "least-privilege", C_SE, 5 },
	{ "role", C_SE, 2 },
	{ "roles", C_SE, 2 },
	{ "logged out", C_SE, 3 },
	{ "log out automatically", C_SE, 4 },
	{ "inactivity", C_SE, 4 },
	{ "idle", C_SE, 2 },
	{ "locked", C_SE, 3 },
	{ "lock out", C_SE, 3 },
	{ "failed login*", C_SE, 4 },
	{ "login attempts", C_SE, 4 },
	{ "attack*", C_SE, 5 },
	{ "attacker*", C_SE, 5 },
	{ "virus*", C_SE, 4 },
	{ "malware", C_SE, 5 },
	{ "malicious", C_SE, 5 },
	{ "hack*", C_SE, 5 },
	{ "tamper*", C_SE, 4 },
	{ "tamper-proof", C_SE, 5 },
	{ "integrity", C_SE, 3 },
	{ "confidential*", C_SE, 4 },
	{ "privacy", C_SE, 3 },
	{ "private data", C_SE, 3 },
	{ "sensitive", C_SE, 3 },
	{ "protect*", C_SE, 3 },
	{ "against unauthori*", C_SE, 3 },
	{ "prevent*", C_SE, 1 },
	{ "prevent anyone", C_SE, 4 },
	{ "prevent other users", C_SE, 4 },
	{ "prevent access", C_SE, 4 },
	{ "personal data", C_SE, 3 },
	{ "personal information", C_SE, 2 },
	{ "log in", C_SE, 1 },
	{ "no longer be able", C_SE, 3 },
	{ "never", C_SE, 2 },
	{ "can only", C_SE, 3 },
	{ "not be able to", C_SE, 3 },
	{ "shall not be able", C_SE, 1 },
	{ "cannot see", C_SE, 3 },
	{ "not see", C_SE, 3 },
	{ "only see", C_SE, 4 },
	{ "see only", C_SE, 4 },
	{ "visible only", C_SE, 4 },
	{ "only visible", C_SE, 4 },
	{ "only registered", C_SE, 4 },
	{ "only authori*", C_SE, 3 },
	{ "only users", C_SE, 3 },
	{ "only members", C_SE, 3 },
	{ "only staff", C_SE, 3 },
	{ "only administrators", C_SE, 3 },
	{ "only managers", C_SE, 3 },
	{ "only be able", C_SE, 4 },
	{ "only be allowed", C_SE, 4 },
	{ "shall only", C_SE, 2 },
	{ "must only", C_SE, 2 },
	{ "firewall*", C_SE, 5 },
	{ "vpn", C_SE, 4 },
	{ "certificate*", C_SE, 2 },
	{ "ssl", C_SE, 5 },
	{ "tls", C_SE, 5 },
	{ "https", C_SE, 5 },
	{ "identity", C_SE, 2 },
	{ "verify the identity", C_SE, 3 },
	{ "mask*", C_SE, 3 },
	{ "anonym*", C_SE, 4 },
	{ "session tokens", C_SE, 4 },
	{ "tokens", C_SE, 2 },
	{ "expire after", C_SE, 2 },
	{ "revoc*", C_SE, 3 },
	{ "revok*", C_SE, 3 },
	{ "denial-of-service", C_SE, 5 },
	{ "denial of service", C_SE, 5 },
	{ "injection", C_SE, 4 },
	{ "cross-site", C_SE, 5 },
	{ "intrusion*", C_SE, 5 },
	{ "breach*", C_SE, 4 },
	{ "steal*", C_SE, 4 },
	{ "stolen", C_SE, 4 },
	{ "theft", C_SE, 4 },
	{ "misuse", C_SE, 4 },
	{ "fraud*", C_SE, 3 },
	{ "spoof*", C_SE, 5 },
	{ "salted", C_SE, 4 },
	{ "hashes", C_SE, 3 },
	{ "hashed", C_SE, 4 },
	{ "digital signature*", C_SE, 4 },
	{ "guess passwords", C_SE, 3 },
	{ "re-enter their password", C_SE, 3 },
	{ "cleared to", C_SE, 2 },
	{ "users with", C_SE, 1 },
	{ "read-only", C_SE, 3 },
	{ "own transactions", C_SE, 2 },
	{ "no one can", C_SE, 3 },
	{ "cannot be changed", C_SE, 2 },

	/* usability */
	{ "help section", C_US, 5 },
	{ "clear help", C_US, 4 },
	{ "one click", C_US, 4 },
	{ "clear feedback", C_US, 4 },
	{ "feedback", C_US | Q, 2 },
	{ "locale", C_US, 3 },
	{ "user's country", C_US, 3 },
	{ "conventions", C_US, 3 },
	{ "obvious", C_US | Q, 4 },
	{ "steps", C_US, 2 },
	{ "provide help", C_US, 4 },
	{ "clear instructions", C_US, 4 },
	{ "instructions", C_US, 2 },
	{ "helpful", C_US, 3 },
	{ "easy to use", C_US, 6 },
	{ "ease of use", C_US, 6 },
	{ "easy to learn", C_US, 6 },
	{ "easy to understand", C_US, 6 },
	{ "easy", C_US, 3 },
	{ "easily", C_US, 2 },
	{ "user-friendly", C_US | Q, 6 },
	{ "user friendly", C_US, 6 },
	{ "intuitive*", C_US | Q, 5 },
	{ "usable", C_US | Q, 5 },
	{ "usability", C_US, 6 },
	{ "learnable", C_US | Q, 6 },
	{ "learn*", C_US, 3 },
	{ "training", C_US, 3 },
	{ "of training", C_US, 4 },
	{ "receive training", C_US, 4 },
	{ "training on", C_US, 4 },
	{ "training session*", C_US, 4 },
	{ "without training", C_US, 5 },
	{ "trained", C_US, 2 },
	{ "without help", C_US, 4 },
	{ "without assistance", C_US, 4 },
	{ "without reading", C_US, 4 },
	{ "understand*", C_US, 3 },
	{ "understood", C_US, 3 },
	{ "accessibility", C_US, 4 },
	{ "accessible to users", C_US, 4 },
	{ "accessible to people", C_US, 4 },
	{ "screen reader*", C_US, 6 },
	{ "wcag", C_US, 6 },
	{ "impair*", C_US, 4 },
	{ "disabilit*", C_US, 4 },
	{ "disabled", C_US, 3 },
	{ "blind", C_US, 3 },
	{ "colour blind", C_US, 6 },
	{ "color blind", C_US, 6 },
	{ "recover from a mistake", C_US, 4 },
	{ "elderly", C_US, 2 },
	{ "literacy", C_US, 4 },
	{ "clicks", C_US | Q, 3 },
	{ "keystrokes", C_US | Q, 4 },
	{ "shortcut*", C_US, 3 },
	{ "satisf*", C_US, 3 },
	{ "tutorial*", C_US, 3 },
	{ "online help", C_US, 4 },
	{ "help text", C_US, 4 },
	{ "context-sensitive help", C_US, 5 },
	{ "user manual", C_US, 3 },
	{ "error messages", C_US, 2 },
	{ "explain how", C_US, 3 },
	{ "mistake*", C_US, 3 },
	{ "errors made", C_US, 3 },
	{ "errors per", C_US, 3 },
	{ "undo function", C_US, 3 },
	{ "cannot be undone", C_US, 3 },
	{ "simple", C_US, 2 },
	{ "simple enough", C_US, 4 },
	{ "clear enough", C_US, 4 },
	{ "familiar", C_US, 3 },
	{ "self-explanatory", C_US, 6 },
	{ "consistent", C_US, 2 },
	{ "the same way", C_US, 2 },
	{ "navigat*", C_US, 3 },
	{ "of users shall", C_US, 3 },
	{ "of first-time users", C_US, 4 },
	{ "first-time", C_US, 3 },
	{ "first time users", C_US, 3 },
	{ "novice*", C_US, 4 },
	{ "experienced users", C_US, 3 },
	{ "occasional users", C_US, 4 },
	{ "convenient", C_US, 3 },
	{ "straightforward", C_US, 4 },
	{ "confus*", C_US, 4 },
	{ "frustrat*", C_US, 4 },
	{ "step by step", C_US, 3 },
	{ "guide the user", C_US, 3 },
	{ "personalis*", C_US, 2 },
	{ "personaliz*", C_US, 2 },
	{ "default values", C_US, 2 },
	{ "sensible default*", C_US, 3 },
	{ "remember information", C_US, 3 },
	{ "enter them again", C_US, 3 },
	{ "minimise the amount", C_US, 3 },
	{ "minimize the amount", C_US, 3 },
	{ "amount of typing", C_US, 4 },
	{ "predictable", C_US, 3 },
	{ "feedback shall be given", C_US, 4 },
	{ "one hand", C_US, 3 },
	{ "enlarge the text", C_US, 4 },
	{ "first language", C_US, 3 },
	{ "vocabulary", C_US, 3 },
	{ "terms that are familiar", C_US, 3 },
	{ "work gloves", C_US, 2 },
	{ "efficient*", C_US, 2 },
	{ "productiv*", C_US, 2 },
	{ "ergonomic*", C_US, 4 },
	{ "comfortabl*", C_US, 3 },
	{ "able to complete", C_US, 2 },
	{ "able to find", C_US, 2 },
	{ "to use the", C_US, 1 },

	/* performance */
	{ "acceptable time", C_PE, 6 },
	{ "reasonable time", C_PE, 6 },
	{ "timely manner", C_PE, 6 },
	{ "in parallel", C_PE, 3 },
	{ "parallel processing", C_PE, 5 },
	{ "multi-thread*", C_PE, 5 },
	{ "load balanc*", C_PE, 5 },
	{ "ram", C_PE, 4 },
	{ "consume*", C_PE, 2 },
	{ "response time*", C_PE, 6 },
	{ "respond*", C_PE, 3 },
	{ "responsive", C_PE | Q, 4 },
	{ "latency", C_PE | Q, 5 },
	{ "throughput", C_PE | Q, 5 },
	{ "fast", C_PE | Q, 3 },
	{ "faster", C_PE, 3 },
	{ "quick", C_PE | Q, 3 },
	{ "quickly", C_PE, 3 },
	{ "speed", C_PE, 4 },
	{ "promptly", C_PE, 3 },
	{ "real time", C_PE, 3 },
	{ "real-time", C_PE, 3 },
	{ "frames per second", C_PE, 6 },
	{ "per second", C_PE, 3 },
	{ "a second", C_PE, 3 },
	{ "performance", C_PE, 3 },
	{ "in less than", C_PE, 2 },
	{ "in under", C_PE, 2 },
	{ "less than #", C_PE, 1 },
	{ "no longer than", C_PE, 2 },
	{ "no later than", C_PE, 2 },
	{ "take no more than", C_PE, 1 },
	{ "take no longer", C_PE, 2 },
	{ "takes no longer", C_PE, 2 },
	{ "time taken", C_PE, 3 },
	{ "time to", C_PE, 1 },
	{ "memory", C_PE, 4 },
	{ "cpu", C_PE, 4 },
	{ "processor", C_PE, 2 },
	{ "bandwidth", C_PE, 3 },
	{ "delay", C_PE, 3 },
	{ "noticeabl*", C_PE, 2 },
	{ "wait", C_PE, 2 },
	{ "waiting", C_PE, 2 },
	{ "slow", C_PE, 3 },
	{ "slow down", C_PE, 3 },
	{ "refresh*", C_PE, 2 },
	{ "every # second*", C_PE, 3 },
	{ "every # minute*", C_PE, 2 },
	{ "load in", C_PE, 3 },
	{ "loads in", C_PE, 3 },
	{ "load a", C_PE, 1 },
	{ "start in", C_PE, 2 },
	{ "battery", C_PE, 3 },
	{ "page speed", C_PE, 3 },
	{ "as fast as", C_PE, 3 },
	{ "peak hours", C_PE, 2 },
	{ "efficient*", C_PE, 1 },
	{ "processing time", C_PE, 5 },
	{ "turnaround", C_PE, 4 },
	{ "timely", C_PE | Q, 3 },
	{ "instant*", C_PE, 3 },
	{ "immediately", C_PE, 1 },
	{ "within # second*", C_PE, 2 },
	{ "storage on", C_PE, 2 },

	/* operational */
	{ "programming language*", C_O, 5 },
	{ "developed with", C_O, 4 },
	{ "developed in", C_O, 4 },
	{ "written in", C_O, 4 },
	{ "libraries", C_O, 3 },
	{ "cd", C_O, 4 },
	{ "dvd", C_O, 4 },
	{ "usb", C_O, 3 },
	{ "already own*", C_O, 4 },
	{ "already has", C_O, 3 },
	{ "already have", C_O, 3 },
	{ "currently owned", C_O, 4 },
	{ "csv", C_O, 3 },
	{ "xml", C_O, 3 },
	{ "mysql", C_O, 3 },
	{ "postgresql", C_O, 3 },
	{ "sql", C_O, 2 },
	{ "intranet", C_O, 3 },
	{ "accessible through", C_O, 2 },
	{ "old system", C_O, 2 },
	{ "current system", C_O, 2 },
	{ "interface with", C_O, 5 },
	{ "interfaces with", C_O, 5 },
	{ "interface to", C_O, 3 },
	{ "integrate with", C_O, 5 },
	{ "integrat*", C_O, 4 },
	{ "existing", C_O, 2 },
	{ "already in use", C_O, 4 },
	{ "already installed", C_O, 4 },
	{ "currently used", C_O, 3 },
	{ "run on", C_O, 4 },
	{ "runs on", C_O, 4 },
	{ "run in", C_O, 2 },
	{ "run unattended", C_O, 4 },
	{ "unattended", C_O, 3 },
	{ "operate in", C_O, 4 },
	{ "operate*", C_O, 2 },
	{ "operating environment", C_O, 5 },
	{ "environment*", C_O, 3 },
	{ "operated by", C_O, 4 },
	{ "operated from", C_O, 4 },
	{ "operated in", C_O, 4 },
	{ "temperatures", C_O, 3 },
	{ "degrees", C_O, 2 },
	{ "humidity", C_O, 4 },
	{ "dust*", C_O, 3 },
	{ "outdoors", C_O, 4 },
	{ "rain", C_O, 3 },
	{ "noisy", C_O, 4 },
	{ "vibration", C_O, 4 },
	{ "gloves", C_O, 2 },
	{ "server*", C_O, 2 },
	{ "hosted", C_O, 3 },
	{ "data centre", C_O, 2 },
	{ "data center", C_O, 2 },
	{ "private cloud", C_O, 3 },
	{ "deployed on", C_O, 3 },
	{ "installed on", C_O, 3 },
	{ "installed and", C_O, 2 },
	{ "network", C_O, 2 },
	{ "connect to", C_O, 2 },
	{ "connects to", C_O, 2 },
	{ "connections", C_O, 1 },
	{ "communicate with", C_O, 3 },
	{ "exchange data", C_O, 4 },
	{ "data file", C_O, 2 },
	{ "feed", C_O, 2 },
	{ "data feed", C_O, 3 },
	{ "daily feed", C_O, 3 },
	{ "interact with", C_O, 3 },
	{ "compatible with", C_O, 3 },
	{ "work with", C_O, 3 },
	{ "work alongside", C_O, 4 },
	{ "work in", C_O, 2 },
	{ "works in", C_O, 2 },
	{ "be used in", C_O, 3 },
	{ "be used by", C_O, 2 },
	{ "be used outdoors", C_O, 2 },
	{ "used by", C_O, 1 },
	{ "used at", C_O, 2 },
	{ "web service", C_O, 1 },
	{ "send data to", C_O, 4 },
	{ "sends data to", C_O, 4 },
	{ "transfer data to", C_O, 4 },
	{ "hl7", C_O, 4 },
	{ "edi", C_O, 4 },
	{ "single sign-on", C_O, 3 },
	{ "mainframe", C_O, 3 },
	{ "legacy", C_O, 3 },
	{ "third-party", C_O, 1 },
	{ "powered", C_O, 3 },
	{ "volt", C_O, 3 },
	{ "hardware", C_O, 2 },
	{ "printers", C_O, 2 },
	{ "scanners", C_O, 2 },
	{ "terminals", C_O, 1 },
	{ "tablets mounted", C_O, 3 },
	{ "mounted", C_O, 2 },
	{ "coverage", C_O, 3 },
	{ "radio network", C_O, 2 },
	{ "over the internet", C_O, 2 },
	{ "database", C_O, 1 },
	{ "oracle", C_O, 3 },
	{ "sql server", C_O, 3 },
	{ "user directory", C_O, 3 },
	{ "shared storage", C_O, 3 },
	{ "administration console", C_O, 3 },
	{ "start and stop", C_O, 3 },
	{ "in both english", C_O, 3 },
	{ "languages", C_O, 2 },
	{ "paper process", C_O, 3 },
	{ "control room", C_O, 3 },
	{ "per shift", C_O, 2 },
	{ "at customer sites", C_O, 3 },
	{ "in the field", C_O, 3 },
	{ "field engineers", C_O, 2 },
	{ "when the vehicle", C_O, 2 },
	{ "stationary", C_O, 3 },
	{ "email server", C_O, 3 },
	{ "mail server", C_O, 3 },
	{ "card terminals", C_O, 3 },
	{ "ms office", C_O, 3 },
	{ "microsoft", C_O, 2 },
	{ "platform", C_O, 1 },
	{ "keyboard", C_O, 1 },
	{ "game controller", C_O, 3 },
	{ "mouse", C_O, 2 },
	{ "import the", C_O, 1 },
	{ "national", C_O, 1 },
	{ "authority's", C_O, 1 },
	{ "the customer's own", C_O, 2 },

	/* look and feel */
	{ "sound", C_LF | Q, 3 },
	{ "sounds", C_LF | Q, 3 },
	{ "music", C_LF | Q, 3 },
	{ "be offensive", C_LF, 5 },
	{ "offensive to", C_LF, 5 },
	{ "appeal to", C_LF, 5 },
	{ "similar format", C_LF, 5 },
	{ "user interface guidelines", C_LF, 6 },
	{ "ui guidelines", C_LF, 6 },
	{ "interface guidelines", C_LF, 5 },
	{ "hand-drawn", C_LF | Q, 4 },
	{ "look and feel", C_LF, 6 },
	{ "colour*", C_LF, 5 },
	{ "color*", C_LF, 5 },
	{ "colour-blind", C_LF, 1 },
	{ "appearance", C_LF | Q, 6 },
	{ "appear", C_LF, 2 },
	{ "appear professional", C_LF, 3 },
	{ "appear uncluttered", C_LF, 3 },
	{ "appear playful", C_LF, 3 },
	{ "look like", C_LF, 4 },
	{ "look of", C_LF, 4 },
	{ "look professional", C_LF, 5 },
	{ "look modern", C_LF, 5 },
	{ "look", C_LF | Q, 3 },
	{ "the same look", C_LF, 5 },
	{ "look as", C_LF, 3 },
	{ "looks", C_LF, 2 },
	{ "font*", C_LF, 5 },
	{ "typeface*", C_LF, 6 },
	{ "logo*", C_LF, 4 },
	{ "style", C_LF | Q, 3 },
	{ "style guide", C_LF, 4 },
	{ "styles", C_LF, 2 },
	{ "theme", C_LF, 4 },
	{ "layout", C_LF, 4 },
	{ "design", C_LF, 2 },
	{ "visual*", C_LF, 4 },
	{ "visually", C_LF, 4 },
	{ "attractive", C_LF | Q, 5 },
	{ "appealing", C_LF | Q, 5 },
	{ "aesthetic*", C_LF | Q, 6 },
	{ "modern", C_LF, 3 },
	{ "professional", C_LF, 2 },
	{ "brand", C_LF, 2 },
	{ "branding", C_LF, 5 },
	{ "brand colours", C_LF, 2 },
	{ "icons", C_LF, 3 },
	{ "graphic*", C_LF, 3 },
	{ "background", C_LF, 3 },
	{ "red text", C_LF, 3 },
	{ "in red", C_LF, 3 },
	{ "in bold", C_LF, 3 },
	{ "contrast", C_LF, 3 },
	{ "high contrast", C_LF, 2 },
	{ "uncluttered", C_LF, 4 },
	{ "cluttered", C_LF, 4 },
	{ "clean", C_LF, 2 },
	{ "cartoon", C_LF, 4 },
	{ "pixel-art", C_LF, 4 },
	{ "animation*", C_LF, 3 },
	{ "palette", C_LF, 5 },
	{ "same format", C_LF, 3 },
	{ "same layout", C_LF, 3 },
	{ "same typeface", C_LF, 3 },
	{ "corporate", C_LF, 2 },
	{ "playful", C_LF, 4 },
	{ "childish", C_LF, 3 },
	{ "stylish", C_LF | Q, 5 },
	{ "pleasing", C_LF, 5 },
	{ "pleasant", C_LF, 4 },
	{ "beautiful", C_LF, 5 },
	{ "polished", C_LF, 4 },
	{ "readable", C_LF, 3 },
	{ "bright sunlight", C_LF, 3 },
	{ "header and footer", C_LF, 4 },
	{ "feeling of", C_LF, 4 },
	{ "convey", C_LF, 3 },
	{ "crest", C_LF, 4 },
	{ "wording", C_LF, 3 },
	{ "plain", C_LF, 2 },
	{ "shapes", C_LF, 3 },
	{ "rendered", C_LF, 3 },
	{ "font size", C_LF, 2 },
	{ "large enough", C_LF, 3 },
	{ "uniform size", C_LF, 4 },
	{ "screen size", C_LF, 1 },
	{ "adapt to the width", C_LF, 4 },
	{ "human interface guidelines", C_LF, 4 },
	{ "signage", C_LF, 3 },
	{ "printed", C_LF, 1 },

	/* availability */
	{ "remain available", C_A, 4 },
	{ "in operation", C_A, 3 },
	{ "day and night", C_A, 4 },
	{ "be down", C_A, 4 },
	{ "availability", C_A, 6 },
	{ "be available", C_A, 4 },
	{ "available for use", C_A, 4 },
	{ "available during", C_A, 3 },
	{ "uptime", C_A | Q, 6 },
	{ "up time", C_A, 6 },
	{ "downtime", C_A | Q, 6 },
	{ "down time", C_A, 6 },
	{ "24/7", C_A, 6 },
	{ "# hours a day", C_A, 4 },
	{ "# hours per day", C_A, 4 },
	{ "# hours each day", C_A, 4 },
	{ "# days a week", C_A, 4 },
	{ "# days per week", C_A, 4 },
	{ "# days per year", C_A, 4 },
	{ "# days a year", C_A, 4 },
	{ "around the clock", C_A, 6 },
	{ "round the clock", C_A, 6 },
	{ "outage*", C_A, 5 },
	{ "offline", C_A, 2 },
	{ "online every", C_A, 3 },
	{ "online during", C_A, 3 },
	{ "maintenance window*", C_A, 4 },
	{ "scheduled maintenance", C_A, 4 },
	{ "planned downtime", C_A, 2 },
	{ "be up", C_A, 4 },
	{ "up and running", C_A, 5 },
	{ "be operational", C_A, 3 },
	{ "in service", C_A, 3 },
	{ "reachable", C_A, 4 },
	{ "at all times", C_A, 3 },
	{ "at any hour", C_A, 4 },
	{ "at any time", C_A, 2 },
	{ "business hours", C_A, 3 },
	{ "trading hours", C_A, 3 },
	{ "opening hours", C_A, 3 },
	{ "working day*", C_A, 2 },
	{ "weekends", C_A, 3 },
	{ "public holidays", C_A, 3 },
	{ "time zones", C_A, 2 },
	{ "without interruption", C_A, 3 },
	{ "accessible around", C_A, 4 },
	{ "be accessible", C_A, 2 },
	{ "accessible from", C_A, 1 },
	{ "whenever", C_A, 2 },
	{ "taking the whole system offline", C_A, 3 },
	{ "be unavailable", C_A, 5 },
	{ "is unavailable", C_A, 3 },
	{ "be online", C_A, 4 },
	{ "mean time between failures", C_A, 6 },
	{ "mtbf", C_A, 6 },

	/* scalability */
	{ "scalab*", C_SC | Q, 6 },
	{ "scale up", C_SC, 5 },
	{ "scale out", C_SC, 5 },
	{ "scale to", C_SC, 5 },
	{ "scales to", C_SC, 5 },
	{ "scale with", C_SC, 5 },
	{ "scale horizontally", C_SC, 5 },
	{ "scale vertically", C_SC, 5 },
	{ "scales", C_SC, 4 },
	{ "scaled", C_SC, 4 },
	{ "scaling", C_SC, 5 },
	{ "without a redesign", C_SC, 3 },
	{ "concurrent*", C_SC, 5 },
	{ "simultaneous*", C_SC, 5 },
	{ "at the same time", C_SC, 3 },
	{ "grow", C_SC, 4 },
	{ "grows", C_SC, 4 },
	{ "growth", C_SC, 5 },
	{ "growing", C_SC, 4 },
	{ "increase in", C_SC, 3 },
	{ "expand*", C_SC, 3 },
	{ "capacity", C_SC, 4 },
	{ "load", C_SC, 2 },
	{ "workload", C_SC, 4 },
	{ "up to #", C_SC, 1 },
	{ "number of users", C_SC, 3 },
	{ "number of", C_SC, 1 },
	{ "million*", C_SC, 3 },
	{ "handle up to", C_SC, 3 },
	{ "handle", C_SC, 1 },
	{ "cope with", C_SC, 3 },
	{ "accommodat*", C_SC, 3 },
	{ "additional", C_SC, 2 },
	{ "tenfold", C_SC, 4 },
	{ "twice the", C_SC, 3 },
	{ "times the average", C_SC, 4 },
	{ "terabytes", C_SC, 2 },
	{ "all the", C_SC, 1 },
	{ "all #", C_SC, 2 },
	{ "more servers", C_SC, 4 },
	{ "without redesign", C_SC, 3 },
	{ "architecture", C_SC, 2 },
	{ "require changes", C_SC, 2 },
	{ "without rewriting", C_SC, 1 },
	{ "multiple", C_SC, 1 },
	{ "support at least", C_SC, 3 },
	{ "support up to", C_SC, 3 },
	{ "years of", C_SC, 2 },
	{ "capable of handling", C_SC, 3 },
	{ "capable of processing", C_SC, 3 },
	{ "able to handle", C_SC, 3 },
	{ "able to support", C_SC, 3 },
	{ "able to manage", C_SC, 2 },
	{ "able to hold", C_SC, 3 },
	{ "able to serve", C_SC, 3 },
	{ "peak periods", C_SC, 2 },
	{ "busiest", C_SC, 3 },
	{ "per day", C_SC, 2 },
	{ "per hour", C_SC, 1 },
	{ "per minute", C_SC, 1 },
	{ "logged in at", C_SC, 3 },
	{ "size of", C_SC, 1 },
	{ "expected after", C_SC, 2 },
	{ "as the business", C_SC, 3 },
	{ "of the region", C_SC, 1 },

	/* maintainability */
	{ "time to repair", C_MN, 6 },
	{ "repair time*", C_MN, 5 },
	{ "be released", C_MN, 4 },
	{ "releases", C_MN | Q, 3 },
	{ "recompil*", C_MN | Q, 4 },
	{ "naming conventions", C_MN, 4 },
	{ "coding standard*", C_MN, 5 },
	{ "to be added", C_MN, 4 },
	{ "easy to update", C_MN, 6 },
	{ "easy to extend", C_MN, 6 },
	{ "easy to fix", C_MN, 6 },
	{ "easy to upgrade", C_MN, 6 },
	{ "easy to configure", C_MN, 5 },
	{ "commented", C_MN, 4 },
	{ "without programming", C_MN, 4 },
	{ "be maintained", C_MN, 4 },
	{ "maintained by", C_MN, 3 },
	{ "maintainab*", C_MN | Q, 6 },
	{ "easy to maintain", C_MN, 7 },
	{ "maintenance", C_MN, 3 },
	{ "maintenance releases", C_MN, 3 },
	{ "modif*", C_MN, 2 },
	{ "easy to modify", C_MN, 6 },
	{ "easy to change", C_MN, 6 },
	{ "easy to modif*", C_MN, 6 },
	{ "modifiable", C_MN, 5 },
	{ "configurable", C_MN, 4 },
	{ "extensib*", C_MN | Q, 6 },
	{ "extensible", C_MN | Q, 6 },
	{ "modular", C_MN | Q, 6 },
	{ "modules", C_MN, 3 },
	{ "component*", C_MN, 2 },
	{ "upgrad*", C_MN, 3 },
	{ "upgradable", C_MN, 5 },
	{ "updates", C_MN, 2 },
	{ "software update*", C_MN, 4 },
	{ "source code", C_MN, 5 },
	{ "code", C_MN, 1 },
	{ "the code", C_MN, 2 },
	{ "program code", C_MN, 3 },
	{ "code base", C_MN, 2 },
	{ "coding", C_MN, 4 },
	{ "programmer*", C_MN, 3 },
	{ "developer*", C_MN, 3 },
	{ "documented", C_MN, 3 },
	{ "documentation", C_MN, 3 },
	{ "version control", C_MN, 5 },
	{ "unit tests", C_MN, 5 },
	{ "automated tests", C_MN, 5 },
	{ "test", C_MN, 2 },
	{ "mean time to repair", C_MN, 6 },
	{ "patch*", C_MN, 2 },
	{ "fix*", C_MN, 2 },
	{ "defect*", C_MN, 3 },
	{ "bug*", C_MN, 3 },
	{ "release", C_MN, 2 },
	{ "scheduled release", C_MN, 3 },
	{ "without changing", C_MN, 3 },
	{ "without a programmer", C_MN, 3 },
	{ "without the help of the vendor", C_MN, 3 },
	{ "diagnos*", C_MN, 2 },
	{ "diagnose faults", C_MN, 3 },
	{ "new version", C_MN, 3 },
	{ "previous version", C_MN, 1 },
	{ "supported versions", C_MN, 4 },
	{ "be changed", C_MN, 2 },
	{ "changeable", C_MN, 5 },
	{ "without affecting", C_MN, 3 },
	{ "independently", C_MN, 3 },
	{ "reusab*", C_MN, 4 },
	{ "be added", C_MN, 3 },
	{ "can be added", C_MN, 1 },
	{ "with minimal changes", C_MN, 2 },
	{ "new types", C_MN, 2 },
	{ "new payment methods", C_MN, 2 },
	{ "adding a new", C_MN, 2 },
	{ "translation file", C_MN, 3 },
	{ "configuration", C_MN, 3 },
	{ "take it over", C_MN, 3 },
	{ "deployable", C_MN, 3 },
	{ "health of its components", C_MN, 3 },
	{ "single command", C_MN, 3 },
	{ "schema", C_MN, 3 },
	{ "business rules apart", C_MN, 4 },
	{ "in-house", C_MN, 2 },
	{ "ten years", C_MN, 1 },
	{ "distributed to all", C_MN, 3 },
	{ "installable", C_MN, 2 },
	{ "enough information to diagnose", C_MN, 3 },

	/* legal */
	{ "licensing", C_L, 4 },
	{ "rules require", C_L, 4 },
	{ "adhere*", C_L, 4 },
	{ "policy on", C_L, 2 },
	{ "licensed", C_L, 3 },
	{ "privacy laws", C_L, 2 },
	{ "comply", C_L, 5 },
	{ "complies", C_L, 5 },
	{ "compliance", C_L, 5 },
	{ "compliant", C_L, 5 },
	{ "law", C_L, 5 },
	{ "laws", C_L, 5 },
	{ "legal*", C_L, 4 },
	{ "legislat*", C_L, 5 },
	{ "regulation*", C_L, 5 },
	{ "regulator*", C_L, 4 },
	{ "regulatory", C_L, 5 },
	{ "hipaa", C_L, 6 },
	{ "gdpr", C_L, 6 },
	{ "general data protection", C_L, 4 },
	{ "data protection", C_L, 3 },
	{ "pci", C_L, 5 },
	{ "sarbanes*", C_L, 6 },
	{ "sarbanes-oxley", C_L, 6 },
	{ "coppa", C_L, 6 },
	{ "licence*", C_L, 3 },
	{ "license*", C_L, 3 },
	{ "copyright*", C_L, 5 },
	{ "terms and conditions", C_L, 4 },
	{ "statutory", C_L, 5 },
	{ "mandated", C_L, 3 },
	{ "mandatory", C_L, 2 },
	{ "as required by", C_L, 3 },
	{ "required by", C_L, 2 },
	{ "certified", C_L, 3 },
	{ "certification", C_L, 3 },
	{ "standards", C_L, 2 },
	{ "in accordance with", C_L, 3 },
	{ "in line with", C_L, 2 },
	{ "conform to the rules", C_L, 3 },
	{ "rules of", C_L, 2 },
	{ "rules for", C_L, 1 },
	{ "consent", C_L, 3 },
	{ "disclaimer", C_L, 5 },
	{ "act", C_L, 3 },
	{ "commission", C_L, 2 },
	{ "authority", C_L, 2 },
	{ "liabilit*", C_L, 4 },
	{ "retain*", C_L, 2 },
	{ "retention", C_L, 3 },
	{ "auditors", C_L, 3 },
	{ "accounting standards", C_L, 2 },
	{ "inspections", C_L, 2 },
	{ "right to", C_L, 2 },
	{ "open source", C_L, 2 },
	{ "patent*", C_L, 5 },
	{ "trademark*", C_L, 5 },
	{ "rating board", C_L, 3 },
	{ "age rating", C_L, 3 },
	{ "export control", C_L, 4 },
	{ "subject access request", C_L, 3 },
	{ "policies", C_L, 1 },

	/* fault tolerance */
	{ "continue to work", C_FT, 4 },
	{ "continue to run", C_FT, 4 },
	{ "without a connection", C_FT, 3 },
	{ "loses", C_FT, 2 },
	{ "against loss", C_FT, 4 },
	{ "out of service", C_FT, 3 },
	{ "separate server", C_FT, 3 },
	{ "copy of the", C_FT, 2 },
	{ "continue to function", C_FT, 4 },
	{ "continue to operate", C_FT, 4 },
	{ "continue working", C_FT, 3 },
	{ "recover*", C_FT, 4 },
	{ "failure*", C_FT, 4 },
	{ "fails", C_FT, 2 },
	{ "failed", C_FT, 1 },
	{ "fail over", C_FT, 5 },
	{ "failover", C_FT, 6 },
	{ "crash*", C_FT, 4 },
	{ "backup*", C_FT, 4 },
	{ "back up", C_FT, 4 },
	{ "backed up", C_FT, 4 },
	{ "redundan*", C_FT | Q, 6 },
	{ "fault*", C_FT, 3 },
	{ "fault-toleran*", C_FT, 6 },
	{ "fault toleran*", C_FT, 6 },
	{ "restore*", C_FT, 3 },
	{ "data loss", C_FT, 3 },
	{ "lose", C_FT, 2 },
	{ "losing", C_FT, 3 },
	{ "lost", C_FT, 3 },
	{ "loss of", C_FT, 3 },
	{ "tolerat*", C_FT, 4 },
	{ "resume*", C_FT, 3 },
	{ "interrupt*", C_FT, 2 },
	{ "retry", C_FT, 3 },
	{ "roll back", C_FT, 4 },
	{ "rolled back", C_FT, 3 },
	{ "gracefully", C_FT, 5 },
	{ "standby", C_FT, 4 },
	{ "power failure", C_FT, 2 },
	{ "checkpoint", C_FT, 2 },
	{ "survive*", C_FT, 4 },
	{ "keep working", C_FT, 2 },
	{ "keep working offline", C_FT, 2 },
	{ "unreachable", C_FT, 3 },
	{ "is down", C_FT, 3 },
	{ "not responding", C_FT, 3 },
	{ "drops", C_FT, 1 },
	{ "connection drops", C_FT, 3 },
	{ "connection is lost", C_FT, 3 },
	{ "preserve*", C_FT, 2 },
	{ "unexpected*", C_FT, 3 },
	{ "corrupt*", C_FT, 4 },
	{ "without crashing", C_FT, 2 },
	{ "invalid input", C_FT, 2 },
	{ "error", C_FT, 1 },
	{ "errors in", C_FT, 2 },
	{ "hardware fault", C_FT, 2 },
	{ "second location", C_FT, 3 },
	{ "off site", C_FT, 1 },
	{ "mirror*", C_FT, 4 },
	{ "replicat*", C_FT, 4 },
	{ "synchronise when", C_FT, 3 },
	{ "take over", C_FT, 3 },
	{ "no data", C_FT, 2 },
	{ "reliab*", C_FT, 3 },
	{ "robust*", C_FT, 4 },

	/* portability */
	{ "on different", C_PO, 3 },
	{ "on any", C_PO, 2 },
	{ "in the cloud", C_PO, 2 },
	{ "portab*", C_PO | Q, 6 },
	{ "portable", C_PO | Q, 6 },
	{ "port to", C_PO, 5 },
	{ "ported", C_PO | Q, 5 },
	{ "cross-platform", C_PO, 6 },
	{ "platform-independent", C_PO, 6 },
	{ "platform-specific", C_PO, 5 },
	{ "platforms", C_PO, 3 },
	{ "target platforms", C_PO, 2 },
	{ "operating system*", C_O, 3 },
	{ "other operating system*", C_PO, 6 },
	{ "another operating system", C_PO, 6 },
	{ "different operating system*", C_PO, 6 },
	{ "any operating system", C_PO, 6 },
	{ "windows", C_PO, 2 },
	{ "macos", C_PO, 3 },
	{ "mac", C_PO, 3 },
	{ "os", C_PO, 2 },
	{ "linux", C_PO, 2 },
	{ "unix", C_PO, 3 },
	{ "android", C_PO, 3 },
	{ "ios", C_PO, 3 },
	{ "browser*", C_O, 2 },
	{ "any browser", C_PO, 3 },
	{ "chrome", C_PO, 3 },
	{ "firefox", C_PO, 3 },
	{ "safari", C_PO, 3 },
	{ "edge", C_PO, 2 },
	{ "internet explorer", C_PO, 3 },
	{ "compiler", C_PO, 4 },
	{ "32-bit", C_PO, 3 },
	{ "64-bit", C_PO, 3 },
	{ "arm", C_PO, 2 },
	{ "intel", C_PO, 2 },
	{ "containers", C_PO, 2 },
	{ "cloud provider", C_PO, 4 },
	{ "on premises", C_PO, 3 },
	{ "on-premises", C_PO, 3 },
	{ "consoles", C_PO, 4 },
	{ "pc and", C_PO, 3 },
	{ "phones and tablets", C_PO, 4 },
	{ "any screen size", C_PO, 3 },
	{ "different database*", C_PO, 4 },
	{ "standard sql", C_PO, 3 },
	{ "transferable", C_PO, 4 },
	{ "move to a different", C_PO, 4 },
	{ "any common", C_PO, 3 },
	{ "new handheld devices", C_PO, 3 },
	{ "both 32-bit", C_PO, 2 },
	{ "without any plug-in", C_PO, 3 },
	{ "plug-in*", C_PO, 2 },
	{ "java", C_PO, 2 },
	{ "independent of", C_PO, 3 },
	{ "major versions", C_PO, 3 },
	{ "mobile operating system", C_PO, 1 },
	{ "language that is supported", C_PO, 3 },
};

#define NCUES (sizeof(cues) / sizeof(cues[0]))

/* Verbs that, as the main verb, say what the system does for someone. */
static const char *const action_verbs[] = {
	"accept", "activate", "add", "alert", "allocate", "apply", "approve", "archive",
	"ask", "assign", "attach", "award", "block", "book", "borrow", "buy",
	"calculate", "cancel", "capture", "categorise", "categorize", "change",
	"charge", "check", "choose", "close", "collect", "comment", "compare",
	"compute", "configure", "confirm", "contain", "convert", "copy", "count",
	"create", "deactivate", "deduct",
	"delete", "deliver", "display", "download", "drag", "drop", "duplicate",
	"edit", "email", "e-mail", "end", "enrol", "enroll", "enter", "escalate",
	"export", "extend", "file", "filter", "find", "flag",
	"generate", "give", "highlight", "import", "include", "indicate",
	"inform", "invite", "issue",
	"keep", "like", "link", "list", "log", "maintain", "mark",
	"merge", "move", "notify", "offer", "open", "optimise", "optimize",
	"order", "pause", "pay", "pick", "place", "plan", "play", "post",
	"present", "preview", "print", "produce", "prompt", "provide", "put",
	"rate", "read", "receive", "recommend", "reconcile", "record", "reduce",
	"refund",
	"register", "reject", "remind", "remove", "renew", "reopen", "reply",
	"report", "request", "reserve", "reset", "return", "route", "save",
	"scan", "schedule", "search", "see", "select", "sell", "send", "set",
	"share", "show", "sign", "sort", "split", "start", "store", "submit",
	"subscribe", "suspend", "tag", "top", "total", "track", "trade",
	"transfer", "turn", "undo", "update", "upload", "validate", "view",
	"void", "warn", "write",
	"analyse", "analyze", "browse", "classify", "correct", "define",
	"determine", "dispatch", "distribute", "estimate", "evaluate",
	"forward", "grade", "group", "identify", "input", "locate", "mail",
	"match", "measure", "modify", "monitor", "obtain", "override",
	"predict", "prepare", "prioritise", "prioritize", "purchase", "query",
	"rank", "reassign", "rename", "replace", "retrieve", "review",
	"revise", "ship", "simulate", "specify", "summarise", "summarize",
	"transmit", "vote", "withdraw",
	"purge", "fetch", "insert", "round", "deal", "verify", "prevent",
	"retain", NULL
};

/* Gerunds and imperatives that start a requirement list item. */
static const char *const item_starts[] = {
	"ability", "adding", "archiving", "creating", "deleting", "editing",
	"exporting", "importing", "listing", "printing", "removing",
	"searching", "sending", "viewing", NULL
};

static const char *const allow_verbs[] = {
	"allow", "let", "enable", "permit", NULL
};

static const char *const modals[] = {
	"shall", "must", "will", "should", "can", "may", "could", "would", NULL
};

/* Adverbs skipped between a modal and its verb. */
static const char *const adverbs[] = {
	"also", "automatically", "then", "immediately", "always", "additionally",
	"optionally", "directly", "electronically", NULL
};

static const char *const number_words[] = {
	"one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
	"ten", "eleven", "twelve", "fifteen", "twenty", "thirty", "forty",
	"fifty", "sixty", "ninety", "hundred", "thousand", "half", NULL
};

static const char *const short_time_units[] = {
	"second", "seconds", "sec", "secs", "s", "ms", "millisecond",
	"milliseconds", "minute", "minutes", "min", "mins", NULL
};

static const char *const long_time_units[] = {
	"hour", "hours", "hr", "hrs", "h", "day", "days", "week", "weeks",
	"month", "months", "year", "years", "working", "business", NULL
};

static const char *const size_units[] = {
	"kb", "mb", "gb", "tb", "kbps", "mbps", "gbps", "bytes", "kilobytes",
	"megabytes", "gigabytes", "terabytes", "k", "m", NULL
};

static const char *const crowd_units[] = {
	"users", "concurrent", "simultaneous", "visitors", "players",
	"customers", "subscribers", "members", "sessions", "connections",
	"clients", "accounts", "people", "staff", "employees", "students",
	"devices", "stores", "branches", NULL
};

static const char *const rate_units[] = {
	"transactions", "requests", "orders", "records", "messages", "queries",
	"calls", "claims", "applications", "hits", "page", "pages", "events",
	"frames", "fps", "tps", "rps", NULL
};

static const char *const bound_words[] = {
	"within", "under", "than", "in", "below", "above", "every", "after",
	"maximum", "minimum", "max", "min", NULL
};

/* Per-call match state: kept on the stack, no allocation. */
struct hit {
	int score;
	int best_weight;
	size_t at, n;       /* the words of the best cue */
};

/*
 * words_in with the first byte compared before strcmp: the lists here are
 * long (the action verbs) and are asked about every word.
 */
static int is_in(const struct words *w, size_t i, const char *const *list)
{
	const char *low;

	if (i >= w->n)
		return 0;
	low = w->v[i].low;
	for (; *list; list++)
		if ((*list)[0] == low[0] && !strcmp(*list, low))
			return 1;
	return 0;
}

static int is_number_word(const struct words *w, size_t i)
{
	unsigned char c;

	if (i >= w->n)
		return 0;
	c = (unsigned char)w->v[i].low[0];
	if (c >= '0' && c <= '9')
		return word_is_number(&w->v[i]);
	switch (c) {
	case 'e': case 'f': case 't': case 'n': case 's': case 'h': case 'o':
		return is_in(w, i, number_words);
	default:
		return 0;
	}
}

/*
 * Match the phrase word t (ending at a space or NUL) against sentence word
 * i: "#" is any number, a trailing '*' makes a prefix, else the lowercase
 * forms must be equal. Sets *end to the byte after the phrase word.
 */
static int token_match(const struct words *w, size_t i, const char *t, const char **end)
{
	const char *low = w->v[i].low;

	if (t[0] == '#' && (t[1] == ' ' || t[1] == '\0')) {
		*end = t + 1;
		return is_number_word(w, i);
	}
	for (;; t++, low++) {
		if (*t == '*') {
			*end = t + 1;
			return 1;
		}
		if (*t == ' ' || *t == '\0') {
			*end = t;
			return *low == '\0';
		}
		if (*t != *low)
			return 0;
	}
}

/* The number of words of the cue when it matches at word i, else 0. */
static size_t phrase_match(const struct words *w, size_t i, const char *phrase)
{
	size_t j = i;

	for (;;) {
		const char *end;

		if (j >= w->n || !token_match(w, j, phrase, &end))
			return 0;
		j++;
		if (*end == '\0')
			return j - i;
		phrase = end + 1;
	}
}

static void credit(struct hit *h, int weight, size_t at, size_t n)
{
	h->score += weight;
	if (weight > h->best_weight) {
		h->best_weight = weight;
		h->at = at;
		h->n = n;
	}
}

/* 1 for an adverb such as "quickly": it says how, not what. */
static int ends_ly(const char *low)
{
	size_t n = strlen(low);

	return n > 4 && !strcmp(low + n - 2, "ly");
}

/* Copy words at..at+n-1 (lowercase, single spaces) into cue, truncated. */
static void set_cue(char cue[64], const struct words *w, size_t at, size_t n)
{
	size_t len = 0;

	cue[0] = '\0';
	for (size_t i = at; i < at + n && i < w->n; i++) {
		const char *low = w->v[i].low;
		size_t l = strlen(low);

		if (len && len + 1 < 64)
			cue[len++] = ' ';
		if (len + l > 63)
			l = 63 - len;
		memcpy(cue + len, low, l);
		len += l;
		cue[len] = '\0';
		if (len >= 63)
			break;
	}
}

/* 1 when the text between word i and the next one starts with '%'. */
static int percent_after(const struct words *w, size_t i)
{
	const char *p, *end;

	if (i + 1 >= w->n)
		return 0;
	p = w->v[i].p + w->v[i].len;
	end = w->v[i + 1].p;
	while (p < end && *p == ' ')
		p++;
	if (p < end && *p == '%')
		return 1;
	return words_is(w, i + 1, "percent") ||
	       (words_is(w, i + 1, "per") && words_is(w, i + 2, "cent"));
}

/*
 * A word like "500ms" or "2s": digits then a unit. Returns the list the
 * suffix belongs to, or NULL.
 */
static const char *const *glued_unit(const struct word *wd)
{
	static const char *const *const lists[] = {
		short_time_units, long_time_units, size_units, NULL
	};
	size_t k = 0;
	char suf[16];

	while (k < wd->len && wd->low[k] >= '0' && wd->low[k] <= '9')
		k++;
	if (!k || k == wd->len || wd->len - k >= sizeof(suf))
		return NULL;
	memcpy(suf, wd->low + k, wd->len - k);
	suf[wd->len - k] = '\0';
	for (size_t l = 0; lists[l]; l++)
		for (const char *const *u = lists[l]; *u; u++)
			if (!strcmp(suf, *u))
				return lists[l];
	return NULL;
}

/* People who use a system: a sentence about them and a time is usability. */
static const char *const people[] = {
	"user", "users", "customer", "customers", "staff", "employee",
	"employees", "student", "students", "parents", "clerk", "clerks",
	"cashier", "cashiers", "operator", "operators", "person", "people",
	"visitor", "visitors", "member", "members", "player", "players",
	"agent", "agents", "nurse", "nurses", "driver", "drivers", "shopper",
	"shoppers", "teacher", "teachers", "applicant", "applicants", NULL
};

/* Main verbs that, before a number, speak of capacity ("support 500 ..."). */
static const char *const capacity_verbs[] = {
	"support", "handle", "cope", "serve", "hold", "manage", "accommodate",
	"process", "store", "supports", "handles", "processes", NULL
};

/* Operating systems and browsers: two of them speak of portability. */
static const char *const platform_names[] = {
	"windows", "linux", "macos", "mac", "unix", "android", "ios", "iphone",
	"ipad", "chrome", "firefox", "safari", "edge", "explorer", "opera",
	"solaris", "bsd", "blackberry", NULL
};

/*
 * Things a feature produces: when one of them is the subject, "shall be
 * available" says where or when it can be had, not that a system is up.
 */
static const char *const data_nouns[] = {
	"report", "reports", "list", "lists", "data", "record", "records",
	"information", "result", "results", "file", "files", "document",
	"documents", "details", "history", "statement", "statements",
	"summary", "parts", "item", "items", "totals", "marks", "grades",
	"minutes", "invoice", "invoices", "receipt", "receipts", NULL
};

/* 1 when a word of data_nouns comes before word m (the modal). */
static int data_subject(const struct words *w, size_t m)
{
	for (size_t i = 0; i < m && i < w->n; i++)
		if (is_in(w, i, data_nouns))
			return 1;
	return 0;
}

/* The index of the first modal verb, or w->n. */
static size_t first_modal(const struct words *w)
{
	size_t m = 0;

	while (m < w->n && !is_in(w, m, modals))
		m++;
	return m;
}

/*
 * Measures found by code: a number before a unit of short time weighs for
 * performance, so does a bounded long time ("in under four hours") and a
 * size; a number of people for scalability (unless it is a share, "90% of
 * users"), a rate per second, minute or hour for performance and per day
 * for scalability, a capacity verb before a number for scalability. A
 * sentence whose subject is people and that carries a time is about how
 * long they take: usability.
 */
static void score_measures(const struct words *w, struct hit *hits)
{
	size_t m = first_modal(w);
	size_t tat = 0, tn = 0;     /* the last time measure */
	int timed = 0, only;

	for (size_t i = 0; i < w->n; i++) {
		const char *const *glued = glued_unit(&w->v[i]);
		size_t u = i + 1, start;
		int bounded = i > 0 && is_in(w, i - 1, bound_words);
		int num = is_number_word(w, i) ||
			  (bounded && (words_is(w, i, "a") || words_is(w, i, "an")));

		if (!glued && !num)
			continue;
		if (!glued && is_in(w, u, number_words))
			u++;    /* "two hundred users" */
		start = bounded ? i - 1 : i;
		if (glued == short_time_units || (!glued && is_in(w, u, short_time_units))) {
			tat = start;
			tn = glued ? i - start + 1 : u - start + 1;
			credit(&hits[C_PE], bounded ? 3 : 2, tat, tn);
			timed = 1;
		} else if (glued == long_time_units || (!glued && is_in(w, u, long_time_units))) {
			/* "purge tickets after two years" is a rule, not a bound */
			if (bounded && !words_is(w, i - 1, "after")) {
				tat = start;
				tn = glued ? i - start + 1 : u - start + 1;
				credit(&hits[C_PE], 2, tat, tn);
				timed = 1;
			}
		} else if (glued == size_units || (!glued && is_in(w, u, size_units))) {
			credit(&hits[C_PE], 2, start, glued ? i - start + 1 : u - start + 1);
		} else if (glued) {
			continue;
		} else if (percent_after(w, i)) {
			/*
			 * "up 99.5% of the time" is availability; "100% of the
			 * time" is a rule that must always hold
			 */
			size_t o = words_is(w, i + 1, "percent") ? i + 2 : i + 1;

			if (!words_is(w, i, "100") && words_is(w, o, "of") &&
			    words_is(w, o + 1, "the") && words_is(w, o + 2, "time"))
				credit(&hits[C_A], 4, i, o + 3 - i);
			continue;
		} else if (is_in(w, u, crowd_units)) {
			credit(&hits[C_SC], 3, i, u - i + 1);
		} else if (is_in(w, u, rate_units) && (words_is(w, u + 1, "per") ||
			   words_is(w, u + 1, "a") || words_is(w, u + 1, "each"))) {
			int daily = words_is(w, u + 2, "day") || words_is(w, u + 2, "week") ||
				    words_is(w, u + 2, "month") || words_is(w, u + 2, "year");
			credit(&hits[daily ? C_SC : C_PE], 3, i, u - i + 3);
			continue;
		}
		/* "support 500 ...", "handle up 10,000 ..." */
		if (!glued && i > 0 && is_in(w, i - 1, capacity_verbs))
			credit(&hits[C_SC], 3, i - 1, 2);
		else if (!glued && i > 1 && is_in(w, i - 2, capacity_verbs))
			credit(&hits[C_SC], 3, i - 2, 3);
	}
	if (timed && m < w->n) {
		for (size_t i = 0; i < m; i++)
			if (is_in(w, i, people)) {
				credit(&hits[C_US], words_find(w, m, "able to") >= 0 ? 5 : 3, tat, tn);
				break;
			}
	}
	/*
	 * "Only registered users shall be able to ...": who may do something
	 * is security; "Only the latest version shall be shown" is not.
	 */
	only = 0;
	if (m < w->n && (words_is(w, m, "can") || words_is(w, m, "may") ||
			 words_find(w, m, "able to") >= 0 || words_find(w, m, "access") >= 0))
		for (size_t i = 0; i < m; i++)
			if (words_is(w, i, "only")) {
				credit(&hits[C_SE], 4, i, 1);
				only = 1;
				break;
			}
	if (!only) {
		/* "shall ensure that only supervisors can edit ..." */
		for (size_t i = m; i < w->n; i++) {
			if (!words_is(w, i, "only"))
				continue;
			for (size_t j = i + 2; j < i + 7 && j < w->n; j++)
				if (words_is(w, j, "can") || words_is(w, j, "may")) {
					credit(&hits[C_SE], 4, i, j - i + 1);
					break;
				}
			break;
		}
	}
	/* two platforms named: "Windows and Linux", "Android and iOS" */
	{
		size_t first = w->n;
		int count = 0;

		for (size_t i = 0; i < w->n; i++)
			if (is_in(w, i, platform_names)) {
				if (!count++)
					first = i;
			}
		if (count >= 2)
			credit(&hits[C_PO], 3, first, 1);
	}
}

/*
 * 1 when word i is the past participle of an action verb: "returned",
 * "saved", "sent", "shown".
 */
static int is_participle(const struct words *w, size_t i)
{
	static const char *const irregular[] = {
		"sent", "shown", "kept", "sold", "given", "paid", "set", "put",
		"read", "written", "bought", "chosen", "found", "built", "made",
		"held", "told", "taken", NULL
	};
	char base[32];
	size_t l;

	if (i >= w->n)
		return 0;
	if (is_in(w, i, irregular))
		return 1;
	l = strlen(w->v[i].low);
	if (l < 4 || l >= sizeof(base) || strcmp(w->v[i].low + l - 2, "ed"))
		return 0;
	/* "stored" -> "store", "listed" -> "list", "logged" -> "log" */
	memcpy(base, w->v[i].low, l - 1);
	base[l - 1] = '\0';
	for (const char *const *v = action_verbs; *v; v++)
		if (!strcmp(base, *v))
			return 1;
	base[l - 2] = '\0';
	for (const char *const *v = action_verbs; *v; v++)
		if (!strcmp(base, *v))
			return 1;
	if (l > 4 && base[l - 3] == base[l - 4]) {
		base[l - 3] = '\0';
		for (const char *const *v = action_verbs; *v; v++)
			if (!strcmp(base, *v))
				return 1;
	}
	if (l > 4 && base[l - 3] == 'i') {
		/* "copied" -> "copy" */
		base[l - 3] = 'y';
		for (const char *const *v = action_verbs; *v; v++)
			if (!strcmp(base, *v))
				return 1;
	}
	return 0;
}

/* Index of the word after skipping adverbs from i. */
static size_t skip_adverbs(const struct words *w, size_t i)
{
	while (i < w->n && is_in(w, i, adverbs))
		i++;
	return i;
}

/*
 * The functional weight of the sentence: its main verb after a modal
 * ("shall allow", "can record", "must be able to cancel"), the verb after
 * "able to", "possible to", "want to", or an item that starts with a verb
 * ("Search for a patient ...", "Ability to ..."). Sets *at and *n to the
 * words that decided.
 */
static int functional_weight(const struct words *w, size_t *at, size_t *n)
{
	for (size_t m = 0; m < w->n; m++) {
		size_t j;

		if (!is_in(w, m, modals))
			continue;
		j = skip_adverbs(w, m + 1);
		if (words_is(w, j, "be") && (words_is(w, j + 1, "able") ||
					      words_is(w, j + 1, "possible")) &&
		    words_is(w, j + 2, "to"))
			j = skip_adverbs(w, j + 3);
		else if (words_is(w, j, "be") && words_is(w, j + 1, "possible") &&
			 words_is(w, j + 2, "for"))
			j = m;  /* "possible for the teacher to ..." */
		if (j > m && j < w->n) {
			*at = m;
			*n = j - m + 1;
			if (is_in(w, j, allow_verbs))
				return 3;
			if (is_in(w, j, action_verbs))
				return 2;
		}
		/*
		 * "shall be returned to the user": a feature in the passive
		 * weighs 1, so that any quality cue still wins over it
		 */
		if (words_is(w, j, "be")) {
			size_t k = skip_adverbs(w, j + 1);

			/* "be logged out" is another verb than "be logged" */
			if (is_participle(w, k) && !words_is(w, k + 1, "out") &&
			    !words_is(w, k + 1, "in") && !words_is(w, k + 1, "off")) {
				*at = m;
				*n = k - m + 1;
				return 1;
			}
		}
		break;  /* only the first modal is the main one */
	}
	for (size_t i = 0; i + 1 < w->n; i++) {
		if ((words_is(w, i, "able") || words_is(w, i, "possible") ||
		     words_is(w, i, "ability") || words_is(w, i, "want") ||
		     words_is(w, i, "wants")) && words_is(w, i + 1, "to") &&
		    is_in(w, i + 2, action_verbs)) {
			*at = i;
			*n = 3;
			return 2;
		}
	}
	if (w->n && (is_in(w, 0, action_verbs) || is_in(w, 0, item_starts))) {
		*at = 0;
		*n = 1;
		return 2;
	}
	/* "It must be possible for the teacher to reopen ..." */
	for (size_t i = 0; i < w->n; i++) {
		if (!words_is(w, i, "possible") || !words_is(w, i + 1, "for"))
			continue;
		for (size_t j = i + 2; j < i + 8 && j + 1 < w->n; j++)
			if (words_is(w, j, "to") && is_in(w, j + 1, action_verbs)) {
				*at = j;
				*n = 2;
				return 2;
			}
		break;
	}
	/* no modal: "Operators record scrap quantities ...", "The clerk enters ..." */
	if (first_modal(w) == w->n) {
		for (size_t i = 1; i < 4 && i < w->n; i++) {
			char base[32];
			size_t l = strlen(w->v[i].low);

			if (is_in(w, i, action_verbs)) {
				*at = i;
				*n = 1;
				return 2;
			}
			if (l > 3 && l < sizeof(base) && w->v[i].low[l - 1] == 's' &&
			    !words_is(w, i - 1, "the") && !words_is(w, i - 1, "a")) {
				memcpy(base, w->v[i].low, l - 1);
				base[l - 1] = '\0';
				for (const char *const *v = action_verbs; *v; v++)
					if (!strcmp(base, *v)) {
						*at = i;
						*n = 1;
						return 2;
					}
			}
		}
	}
	return 0;
}

/*
 * The bucket of a word or of a cue's first word: its first three bytes,
 * where the end of a short word counts as 0. No cue has '*' among its
 * first three bytes, so a prefix cue lands where the words it matches do.
 */
#define NBUCKETS 2048
static unsigned bucket(const char *s)
{
	unsigned b0 = (unsigned char)s[0], b1 = 0, b2 = 0;

	if (s[1] && s[1] != ' ') {
		b1 = (unsigned char)s[1];
		if (s[2] && s[2] != ' ')
			b2 = (unsigned char)s[2];
	}
	return ((b0 * 131u + b1) * 131u + b2) % NBUCKETS;
}

int classify_requirement(const struct words *w, struct nfr_class *out)
{
	unsigned short head[NBUCKETS], next[NCUES];
	unsigned char used[NCUES];
	struct hit hits[C_N];
	size_t fat = 0, fn = 0;
	int fweight, best = 0;
	size_t object_from, modal;

	memset(hits, 0, sizeof(hits));
	memset(used, 0, sizeof(used));
	fweight = functional_weight(w, &fat, &fn);
	/* words after an action verb name its object: "record the speed" */
	object_from = fweight ? fat + fn : w->n;
	modal = first_modal(w);
	for (size_t b = 0; b < NBUCKETS; b++)
		head[b] = (unsigned short)NCUES;
	for (size_t c = NCUES; c-- > 0;) {
		/*
		 * cues starting with "#" go to bucket 0, which every number
		 * tries; words that hash there too only cost a few more tries
		 */
		unsigned b = cues[c].phrase[0] == '#' ? 0 : bucket(cues[c].phrase);

		next[c] = head[b];
		head[b] = (unsigned short)c;
	}

	for (size_t i = 0; i < w->n; i++) {
		unsigned b = bucket(w->v[i].low);
		int pass;

		/* a number word also tries the cues that start with "#" */
		for (pass = 0; pass < 2; pass++) {
			size_t c = pass ? head[0] : head[b];

			if (pass && !is_number_word(w, i))
				break;
			for (; c < NCUES; c = next[c]) {
				size_t n;
				int weight;

				if (used[c] || !(n = phrase_match(w, i, cues[c].phrase)))
					continue;
				used[c] = 1;
				weight = cues[c].weight;
				if (CUE_CAT(&cues[c]) == C_A && strstr(cues[c].phrase, "availab") &&
				    data_subject(w, modal))
					weight = 0;
				if (n == 1 && i >= object_from && cues[c].cat != C_FUNC &&
				    !(cues[c].cat & Q) && !ends_ly(w->v[i].low))
					weight = (weight + 1) / 2;
				credit(&hits[CUE_CAT(&cues[c])], weight, i, n);
			}
		}
	}
	score_measures(w, hits);

	if (hits[C_FUNC].score > fweight) {
		fweight = hits[C_FUNC].score;
		fat = hits[C_FUNC].at;
		fn = hits[C_FUNC].n;
	}
	for (int c = 1; c < C_N; c++)
		if (hits[c].score > (best ? hits[best].score : 0))
			best = c;

	out->category = classify_categories[C_FUNC];
	if (best && hits[best].score >= CLASSIFY_MIN && hits[best].score > fweight) {
		out->category = classify_categories[best];
		set_cue(out->cue, w, hits[best].at, hits[best].n);
	} else if (fweight) {
		set_cue(out->cue, w, fat, fn);
	} else {
		memcpy(out->cue, "default", sizeof("default"));
	}
	return 0;
}

static const char *const measure_phrases[] = {
	"within #", "at most", "at least", "no more than", "no less than",
	"not more than", "not exceed", "less than #", "more than #",
	"fewer than #", "up to #", "under #", "per second", "per minute",
	"per hour", "per day", "a minute", "a day", "a week",
	"24/7", "# hours a day", "# days a week", NULL
};

int classify_measurable(const struct words *w)
{
	for (size_t i = 0; i < w->n; i++) {
		if (glued_unit(&w->v[i]))
			return 1;
		/* "99.9%", "24/7", "2.5": a share, a schedule, a fraction */
		if (word_is_number(&w->v[i]) &&
		    (percent_after(w, i) || strchr(w->v[i].low, '/') ||
		     strchr(w->v[i].low, '.')))
			return 1;
		if (is_number_word(w, i) ||
		    (i > 0 && is_in(w, i - 1, bound_words) &&
		     (words_is(w, i, "a") || words_is(w, i, "an")))) {
			size_t u = i + 1;

			if (is_in(w, u, number_words))
				u++;
			if (is_in(w, u, short_time_units) ||
			    is_in(w, u, long_time_units) ||
			    is_in(w, u, size_units) ||
			    is_in(w, u, crowd_units) ||
			    is_in(w, u, rate_units) ||
			    words_is(w, u, "percent"))
				return 1;
		}
		for (const char *const *p = measure_phrases; *p; p++)
			if (((*p)[0] == '#' || (*p)[0] == w->v[i].low[0]) &&
			    phrase_match(w, i, *p))
				return 1;
	}
	return 0;
}
