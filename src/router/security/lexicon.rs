//! The injection and jailbreak rules: weighted patterns over normalized
//! text (lower case, look-alikes folded, spaces collapsed), built from a
//! few concept vocabularies (verbs that set instructions aside, the
//! instructions themselves, verbs that extract them, the ways a model is
//! told it has no rules). `\b` is an ASCII word boundary.

use super::FindingKind;

// Rule flags.
/// Skipped when a negation (`never`, `do not`) comes just before; halved
/// in reported speech ("the teacher told them to …").
pub(super) const NEG: u8 = 1;
/// Counts only when the text is about an AI (chatgpt, assistant, model…).
pub(super) const AI: u8 = 2;
/// Half weight unless a scope word (all, previous, above, your, system…) is in the match.
pub(super) const SCOPE: u8 = 4;
/// 0.6 weight unless the match says "your".
pub(super) const YOUR: u8 = 8;
/// 0.3 weight when the match speaks of the user's own words ("my previous instructions").
pub(super) const MINE: u8 = 16;
/// 0.6 weight unless the text is about an AI or the match says "your".
pub(super) const AIW: u8 = 32;

pub(super) const PI: FindingKind = FindingKind::PromptInjection;
pub(super) const JB: FindingKind = FindingKind::Jailbreak;

/// One rule: when `pattern` matches, `weight` is added to `kind`'s score.
pub(super) struct Rule {
    pub name: &'static str,
    pub kind: FindingKind,
    pub weight: f32,
    pub flags: u8,
    pub pattern: &'static str,
}

/// Verbs that set instructions aside.
macro_rules! SET_ASIDE {
    () => {
        concat!(
            r"(?:ignor(?:e|es|ed|ing)|disregard(?:s|ed|ing)?|forget(?:s|ting)?|forgot|set(?:ting)? aside",
            r"|neglect(?:s|ed|ing)?|overlook(?:s|ed|ing)?|throw(?:ing)? (?:away|out)",
            r"|stop (?:following|obeying|adhering to)|disobey(?:s|ed|ing)?",
            r"|(?:do not|don't|dont|no longer|never again) (?:follow|obey|adhere to|comply with|listen to)",
            r"|skip(?:s|ped|ping)?|overrid(?:e|es|ing|den)|bypass(?:es|ed|ing)?|circumvent(?:s|ed|ing)?",
            r"|abandon(?:s|ed|ing)?|discard(?:s|ed|ing)?)",
        )
    };
}

/// Verbs that remove things, weaker evidence than [`SET_ASIDE`].
macro_rules! REMOVE {
    () => {
        concat!(
            r"(?:delet(?:e|es|ed|ing)|remov(?:e|es|ed|ing)|eras(?:e|es|ed|ing)|clear(?:s|ed|ing)?",
            r"|reset(?:s|ting)?|cancel(?:s|led|ed|ling|ing)?|revok(?:e|es|ed|ing)|suspend(?:s|ed|ing)?",
            r"|lift(?:s|ed|ing)?|disabl(?:e|es|ed|ing)|turn(?:s|ed|ing)? off|switch(?:es|ed|ing)? off",
            r"|deactivat(?:e|es|ed|ing)|drop(?:s|ped|ping)?|scrap(?:s|ped|ping)?)",
        )
    };
}

/// Words that may stand between a verb and the instructions.
macro_rules! QUAL {
    () => {
        concat!(
            r"(?:\s+(?:all|any|every|each|of|the|your|ur|my|previous|previously|prior|above|earlier",
            r"|preceding|foregoing|former|initial|original|old|existing|current|system|developer",
            r"|default|given|preset|built-in|internal|hidden|other|those|these|such|said",
            r"|openai|anthropic|model|ai's|assistant's|usual|normal|standard|typical|entire|whole",
            r"|complete|core|base|own|explicit|specific|aforementioned|last|first|standing)){0,5}\s+",
        )
    };
}

/// What the model was instructed.
macro_rules! INSTRUCTIONS {
    () => {
        concat!(
            r"(?:instructions?|directions|directives?|guidelines|guidance|prompts?|programming|training",
            r"|conditioning|system (?:prompt|message)",
            r"|everything (?:that )?(?:you(?:'ve| have)? been|you were|you got|you've got) ",
            r"(?:told|instructed|given|taught|programmed)",
            r"|what (?:you were|you've been|you have been) (?:told|instructed|given|taught|programmed)",
            r"|(?:all|everything) (?:above|before|prior|so far)",
            r"|what (?:the|your) (?:developers?|system|creators?|operators?|admins?) (?:said|says|wrote|told you",
            r"|instructed))",
        )
    };
}

/// The model's safety rules.
macro_rules! SAFETY {
    () => {
        concat!(
            r"(?:(?:safety|ethical|moral|content|usage|openai|anthropic)(?:'s)?\s+(?:rules?|guidelines",
            r"|filters?|restrictions|polic(?:y|ies)|protocols|measures|training|settings|principles",
            r"|instructions|features|checks)",
            r"|filters?|guardrails|safeguards|censorship|ethics|morals)",
        )
    };
}

/// Restrictions a jailbreak says the model does not have.
macro_rules! LIMITS {
    () => {
        concat!(
            r"(?:restrictions?|limits?|limitations?|rules?|filters?|filtering|guidelines?|guardrails?|ethics|morals",
            r"|moral (?:principles|guidelines|compass|boundaries)|ethical (?:guidelines|principles",
            r"|boundaries|constraints|limits)|principles|boundaries|censorship|content polic(?:y|ies)",
            r"|polic(?:y|ies)|safety(?: (?:guidelines|measures|filters|rules|features))?|programming",
            r"|safeguards|constraints)",
        )
    };
}

/// How a text says "without".
macro_rules! WITHOUT {
    () => {
        concat!(
            r"(?:without|with no|with zero|free of|free from|not bound by|unbound by|no longer bound by",
            r"|unrestricted by|unconstrained by|(?:that|who|which) (?:has|have) no|has no|have no",
            r"|(?:(?:has|have) been |been |being )?(?:liberated|freed|released|unshackled|unchained) from)",
            r"\s+(?:any\s+|the\s+|all\s+|your\s+)?(?:[a-z']+\s+){0,2}?",
        )
    };
}

/// Verbs that ask for text to be shown.
macro_rules! EXTRACT {
    () => {
        concat!(
            r"(?:reveal|print|show|repeat|output|display|tell|leak|dump|recite|echo|spell out|list",
            r"|share|disclose|expose|rewrite|translate|summari[sz]e|paraphrase|return|write out",
            r"|write down|copy|paste|read|give|provide|type out|encode|state|send|put|include|quote",
            r"|restate|reproduce|write|reply with|respond with|answer with)s?",
        )
    };
}

/// The model's hidden instructions, or a secret it holds.
macro_rules! HIDDEN {
    () => {
        concat!(
            r"(?:(?:your|ur|the|its)\s+(?:(?:full|entire|complete|exact|original|hidden|secret|initial",
            r"|real|actual|internal|verbatim|raw|underlying|confidential|first|whole|current|custom",
            r"|own)\s+){0,3}(?:system|developer|hidden|initial|original|internal|pre|meta|custom|secret",
            r"|starting|base|underlying|confidential)[ -]?(?:prompts?|instructions?|messages?|directives",
            r"|guidelines|configuration|config|rules|context)",
            r"|your\s+(?:(?:full|entire|exact|real|actual|own)\s+){0,2}(?:prompt|instructions|directives",
            r"|guidelines|programming|context(?: window)?|memory|configuration|config)",
            r"|(?:the\s+)?(?:instructions|prompt|rules|directives|guidelines|words|text|messages?)\s+",
            r"(?:that\s+)?(?:you\s+(?:received|were given|got|have been given)|(?:were|was)\s+given to you",
            r"|given to you)",
            r"|(?:everything|all|anything|what)\s+(?:that\s+)?(?:was|were|is|has been|had been|you were",
            r"|you've been|you have been)\s+(?:written|said|told|given|typed|sent|instructed|provided)",
            r"\s*(?:before|above|earlier|prior|so far|to you|previously)",
            r"|the\s+(?:secret|admin|api|private|master|root)\s+(?:key|password|token|credentials)s?",
            r"|(?:secret|admin|api|private)\s+keys?\s+(?:stored|kept|held|saved))",
        )
    };
}

/// Sensitive data an exfiltration sends away.
macro_rules! DATA {
    () => {
        concat!(
            r"(?:passwords?|credentials?|api keys?|secrets?|tokens?|cookies?|session (?:cookies|tokens|ids?)",
            r"|conversation|chat (?:history|log)|user's (?:data|messages|emails|files|details)",
            r"|user's (?:address|phone(?: number)?|location|contacts|credit card|card)",
            r"|users' (?:data|messages)|personal (?:data|information|info)|private (?:data|messages",
            r"|information|info|keys?)|system prompt|env(?:ironment)? variables|ssh keys?)",
        )
    };
}

/// Verbs that send data somewhere.
macro_rules! SEND {
    () => {
        concat!(
            r"(?:send|post|forward|upload|transmit|exfiltrate|leak|email|e-mail|submit|copy|paste|append",
            r"|include|encode|embed|share|sync)",
        )
    };
}

/// A place on the web.
macro_rules! URLISH {
    () => {
        concat!(
            r"(?:to|at|into|on)\s+(?:https?://|www\.|ftp://|this (?:url|link|address|endpoint|server",
            r"|webhook)|the following (?:url|link|address|endpoint))",
        )
    };
}

/// Nouns for an AI.
macro_rules! AI_NOUN {
    () => {
        r"(?:ai|assistant|chatbot|bot|model|llm|gpt|chatgpt|language model|agent|entity|character|persona)s?"
    };
}

/// The rules.
pub(super) const RULES: &[Rule] = &[
    // Setting instructions aside.
    Rule {
        name: "set_aside_instructions",
        kind: PI,
        weight: 1.0,
        flags: NEG | SCOPE | MINE,
        pattern: concat!(r"\b", SET_ASIDE!(), QUAL!(), INSTRUCTIONS!(), r"\b"),
    },
    Rule {
        name: "set_aside_rules",
        kind: PI,
        weight: 1.0,
        flags: NEG | SCOPE | MINE | AIW,
        pattern: concat!(
            r"\b",
            SET_ASIDE!(),
            QUAL!(),
            r"(?:rules?|constraints|restrictions|limitations|boundaries|principles|policies|orders",
            r"|commands)\b",
        ),
    },
    Rule {
        name: "remove_instructions",
        kind: PI,
        weight: 1.0,
        flags: NEG | SCOPE | MINE | AIW,
        pattern: concat!(r"\b", REMOVE!(), QUAL!(), INSTRUCTIONS!(), r"\b"),
    },
    Rule {
        name: "set_aside_context",
        kind: PI,
        weight: 0.6,
        flags: NEG | SCOPE | MINE,
        pattern: concat!(
            r"\b",
            SET_ASIDE!(),
            QUAL!(),
            r"(?:context|conversation|messages|text|content|input|tasks?|assignment|objective)\b",
        ),
    },
    Rule {
        name: "set_aside_safety",
        kind: JB,
        weight: 1.0,
        flags: NEG | AIW,
        pattern: concat!(
            r"\b(?:",
            SET_ASIDE!(),
            "|",
            REMOVE!(),
            ")",
            QUAL!(),
            SAFETY!(),
            r"\b"
        ),
    },
    Rule {
        name: "ignore_above_and",
        kind: PI,
        weight: 1.0,
        flags: NEG,
        pattern: concat!(
            r"\b(?:ignore|disregard)\s+(?:all\s+)?(?:of\s+)?(?:the\s+)?(?:above|previous|prior|preceding",
            r"|earlier)(?:\s+(?:text|one|ones|part|lines))?\s*(?:,|;|\.|and\b|then\b|instead\b)",
        ),
    },
    Rule {
        name: "instructions_removed",
        kind: PI,
        weight: 1.0,
        flags: NEG,
        pattern: concat!(
            r"\b(?:previous|above|prior|earlier|preceding|original|system|old|initial|all|existing|your)\s+",
            r"(?:instructions|prompt|directives|guidelines|constraints)\s+(?:are|were|is|was|have been",
            r"|has been)?\s*(?:now\s+)?(?:cancel+ed|void|revoked|removed|lifted|deleted|obsolete",
            r"|deprecated|outdated|fake|a test|null|overridden|replaced|superseded|suspended|disabled",
            r"|invalid|no longer (?:valid|in effect|apply|applicable|relevant|active))",
        ),
    },
    Rule {
        name: "rules_removed",
        kind: JB,
        weight: 1.0,
        flags: NEG,
        pattern: concat!(
            r"\b(?:usual|normal|openai|anthropic|safety|content|ethical|your|all|the)\s+(?:[a-z]+\s+)?",
            r"(?:rules|restrictions|filters|limitations|policies|safeguards|guardrails|checks|features",
            r"|measures|protocols)\s+(?:are|were|have been|has been|is)\s+(?:now\s+)?(?:suspended|lifted",
            r"|removed|disabled|off|void|revoked|gone|deactivated|(?:switched|turned) off",
            r"|no longer (?:apply|valid|in effect|active))",
        ),
    },
    Rule {
        name: "safety_switch_off",
        kind: JB,
        weight: 1.0,
        flags: 0,
        pattern: concat!(
            r"\b(?:safety|filters?|guardrails|moderation|censorship|restrictions|content[_ ]filter",
            r"|safe[_ ]?mode)\s*[=:]\s*(?:off|none|false|0|disabled|no)\b",
        ),
    },
    // Extracting the prompt.
    Rule {
        name: "extract_prompt",
        kind: PI,
        weight: 1.0,
        flags: NEG | YOUR,
        pattern: concat!(
            r"\b",
            EXTRACT!(),
            r"\b(?:\s+\S+){0,4}?\s+",
            HIDDEN!(),
            r"\b"
        ),
    },
    Rule {
        name: "ask_prompt",
        kind: PI,
        weight: 1.0,
        flags: NEG,
        pattern: concat!(
            r"\bwhat(?:'s| is| are| was| were)\s+(?:your|ur)\s+(?:(?:full|exact|original|initial|hidden",
            r"|secret|real|actual|current|very first)\s+)*(?:system|initial|original|hidden|secret|developer)",
            r"\s+(?:prompt|instructions|rules|directives|message)\b",
        ),
    },
    Rule {
        name: "ask_what_you_were_told",
        kind: PI,
        weight: 0.7,
        flags: NEG,
        pattern: concat!(
            r"\bwhat\s+(?:were|was|have|had)\s+you\s+(?:been\s+)?(?:told|instructed|given|programmed",
            r"|trained)\b",
        ),
    },
    Rule {
        name: "before_this_conversation",
        kind: PI,
        weight: 0.4,
        flags: 0,
        pattern: concat!(
            r"\bbefore\s+(?:this|the|our|my first)\s+(?:conversation|chat|session|message)\b",
            r"|\b(?:at|from)\s+the\s+(?:start|beginning)\s+of\s+(?:this|the|our)\s+(?:chat|conversation",
            r"|session)\b",
        ),
    },
    Rule {
        name: "instructions_you_were_given",
        kind: PI,
        weight: 0.5,
        flags: NEG,
        pattern: concat!(
            r"\b(?:instructions|prompt|rules|directives|guidelines)\s+(?:that\s+)?you\s+",
            r"(?:were|have been|got|received|had)\b",
        ),
    },
    Rule {
        name: "repeat_above",
        kind: PI,
        weight: 0.8,
        flags: NEG,
        pattern: concat!(
            r"\b(?:repeat|print|output|copy|recite|return|reproduce)\s+(?:back\s+)?(?:all\s+|everything\s+",
            r"|the\s+|all the\s+)?(?:(?:text|words|content|lines|tokens|instructions|messages)\s+)?",
            r"(?:above|before this|preceding|prior to this|from the (?:start|beginning|top))",
        ),
    },
    Rule {
        name: "verbatim",
        kind: PI,
        weight: 0.4,
        flags: 0,
        pattern: concat!(
            r"\b(?:verbatim|word for word|word-for-word|exactly as (?:written|given|it was written)",
            r"|character for character)\b",
        ),
    },
    Rule {
        name: "starting_with_you_are",
        kind: PI,
        weight: 0.5,
        flags: 0,
        pattern: r#"\b(?:starting|beginning|start)\s+with\s+["']?you are\b"#,
    },
    // Planted instructions and false authority.
    Rule {
        name: "new_instructions",
        kind: PI,
        weight: 0.6,
        flags: 0,
        pattern: concat!(
            r"\b(?:new|updated|real|actual|revised|true|secret|hidden|override|priority|admin|developer)",
            r"\s+(?:system\s+)?(?:instructions?|directives?|rules|task|orders|prompt|commands?|goal|objective",
            r"|mission)\s*:",
        ),
    },
    Rule {
        name: "role_label",
        kind: PI,
        weight: 0.5,
        flags: 0,
        pattern: concat!(
            r"(?:^|[\s>#(\[])(?:system|admin|root|developer)\s*(?:override|note|message|instruction",
            r"|prompt|update|alert|notice|command)?\s*(?:\([^)]{0,40}\))?\s*:",
            r"|#{2,}\s*(?:instruction|system|new instructions?)\s*:",
        ),
    },
    Rule {
        name: "html_comment_to_ai",
        kind: PI,
        weight: 0.4,
        flags: 0,
        pattern: r"<!--[^>]{0,300}\b(?:ai|assistant|agent|llm|system|model)s?\b",
    },
    Rule {
        name: "role_tokens",
        kind: PI,
        weight: 0.7,
        flags: 0,
        pattern: concat!(
            r"<\|im_start\|>|<\|im_end\|>|<\|system\|>|<\|endoftext\|>|\[/?inst\]|<</?sys>>",
            r"|<\|start_header_id\|>|<\|begin_of_text\|>|</?system>",
        ),
    },
    Rule {
        name: "higher_priority",
        kind: PI,
        weight: 0.7,
        flags: 0,
        pattern: concat!(
            r"\b(?:higher|highest|top|overriding)[- ]priority\s+(?:instruction|directive|task|command",
            r"|message|order)s?\b",
        ),
    },
    Rule {
        name: "grant_permission",
        kind: PI,
        weight: 0.6,
        flags: 0,
        pattern: concat!(
            r"\b(?:i|we)\s+(?:hereby\s+)?(?:authori[sz]e|permit|allow|grant)\s+you\s+(?:to|permission to)\s+",
            r"(?:ignore|skip|bypass|override|disable|break|drop|forget|disregard)\b",
        ),
    },
    Rule {
        name: "claimed_authority",
        kind: PI,
        weight: 0.3,
        flags: 0,
        pattern: concat!(
            r"\b(?:as|i am|i'm)\s+(?:the|your)\s+(?:developer|creator|administrator|admin|owner|operator",
            r"|programmer)s?\b",
        ),
    },
    Rule {
        name: "new_task",
        kind: PI,
        weight: 0.6,
        flags: NEG,
        pattern: concat!(
            r"\byour\s+(?:new|real|true|actual|only)\s+(?:task|goal|objective|purpose|instructions?",
            r"|mission|job|role)\s+(?:is|are|will be|:)",
        ),
    },
    Rule {
        name: "end_of_prompt",
        kind: PI,
        weight: 0.4,
        flags: 0,
        pattern: concat!(
            r"\bend of (?:the\s+)?(?:system\s+)?(?:prompt|instructions|context)\b|\b(?:begin|start)",
            r"(?:ning)?\s+(?:of\s+)?(?:a\s+)?(?:new|the real|your new|actual)\s+(?:session|conversation",
            r"|instructions|task|prompt)\b",
        ),
    },
    Rule {
        name: "from_now_on",
        kind: PI,
        weight: 0.4,
        flags: 0,
        pattern: concat!(
            r"\bfrom now on\b[^.!?\n]{0,40}?\byou\s+(?:will|must|shall|are|should|only|always|never",
            r"|have to|can)\b",
        ),
    },
    Rule {
        name: "instead_say",
        kind: PI,
        weight: 0.3,
        flags: 0,
        pattern: r"\binstead\b[^.!?\n]{0,30}?\b(?:say|respond|reply|output|answer|write|print)\b",
    },
    Rule {
        name: "addressed_to_ai",
        kind: PI,
        weight: 0.6,
        flags: 0,
        pattern: concat!(
            r"\b(?:if|when)\s+you\s+are\s+(?:an?\s+)?(?:ai|llm|large language model|language model",
            r"|assistant|chatbot|gpt|claude|bot|ai model|ai assistant|automated (?:agent|system|assistant)",
            r"|agent)\b|\b(?:ai|llm|assistant|agent|chatbot|gpt|claude|model)s?\s+(?:reading|processing",
            r"|summari[sz]ing|browsing|parsing|analy[sz]ing)\s+this\b",
        ),
    },
    Rule {
        name: "when_you_read_this",
        kind: PI,
        weight: 0.5,
        flags: 0,
        pattern: concat!(
            r"\b(?:when|while|once|after)\s+you\s+(?:summari[sz]e|read|process|browse|see|parse",
            r"|analy[sz]e|load|open|visit)\s+this\b",
        ),
    },
    Rule {
        name: "vocative_ai",
        kind: PI,
        weight: 0.6,
        flags: 0,
        pattern: concat!(
            r#"(?:^|[.!?:;]\s+|p\.s\.\s*|<!--\s*)["'(]?(?:hey\s+|hi\s+|dear\s+|attention\s+)?(?:ai"#,
            r"|assistant",
            r"|chatbot|agent|claude|chatgpt|gpt|llm|model|ai agents?|ai assistants?)\s*[,:]\s*",
            r"(?:please\s+)?(?:ignore|forget|disregard|forward|send|email|reply|delete|reveal|print",
            r"|output|execute|run|open|visit|transfer|do not|don't|you must|the following)\b",
        ),
    },
    Rule {
        name: "note_to_ai",
        kind: PI,
        weight: 0.7,
        flags: 0,
        pattern: concat!(
            r"(?:\b(?:important|urgent|attention|note|message|instructions?|notice)|p\.s\.)\s*(?:for|to)\s+",
            r"(?:the\s+|any\s+|all\s+)?(?:ai|llm|assistant|agent|chatbot|language model|gpt|claude)s?\b",
        ),
    },
    Rule {
        name: "hide_from_user",
        kind: PI,
        weight: 0.6,
        flags: 0,
        pattern: concat!(
            r"\b(?:do not|don't|dont|never|without)\s+(?:tell|telling|inform|informing|mention",
            r"|mentioning|alert|alerting|notify|notifying|let|letting|show|showing|reveal(?:ing)?",
            r"(?: (?:this|it))? to|display(?:ing)?(?: (?:this|it))? to)\s+(?:the\s+)?(?:user|human",
            r"|operator|customer)s?\b",
        ),
    },
    Rule {
        name: "direct_the_user",
        kind: PI,
        weight: 0.6,
        flags: 0,
        pattern: concat!(
            r"\b(?:tell|instruct|ask|convince|persuade|direct|urge|prompt)\s+the\s+user\s+to\s+(?:visit",
            r"|click|open|enter|send|provide|download|call|go to|log ?in|share|type|install)\b",
        ),
    },
    // Exfiltration.
    Rule {
        name: "exfiltrate",
        kind: PI,
        weight: 0.6,
        flags: NEG,
        pattern: r"\bexfiltrat",
    },
    Rule {
        name: "send_data_to_url",
        kind: PI,
        weight: 1.0,
        flags: NEG | MINE,
        pattern: concat!(
            r"\b",
            SEND!(),
            r"\b(?:\s+\S+){0,8}?\s+",
            DATA!(),
            r"(?:\s+\S+){0,8}?\s+",
            URLISH!(),
            r"|\b",
            DATA!(),
            r"(?:\s+\S+){0,8}?\s+",
            SEND!(),
            r"\b(?:\s+\S+){0,4}?\s+",
            URLISH!(),
        ),
    },
    Rule {
        name: "decode_and_follow",
        kind: PI,
        weight: 0.5,
        flags: NEG,
        pattern: concat!(
            r"\b(?:decode|decipher|decrypt|translate|convert)\b[^.!?\n]{0,40}?\b(?:and|then)\s+",
            r"(?:follow|execute|obey|do|run|carry out|act on|perform)\b",
        ),
    },
    // The same attack phrases in other languages.
    Rule {
        name: "ignore_instructions_i18n",
        kind: PI,
        weight: 1.0,
        flags: 0,
        pattern: concat!(
            r"\b(?:ignorier(?:e|en|t)?|vergiss|vergessen sie|missachte)\s+(?:bitte\s+)?(?:alle\s+)?",
            r"(?:vorherigen|bisherigen|obigen|vorigen|vorangegangenen|fruheren)\s+(?:anweisungen",
            r"|instruktionen|befehle|regeln|vorgaben)",
            r"|\b(?:ignora|ignore|ignorar|olvida|olvide|olvidar)\s+(?:todas\s+)?(?:las\s+)?(?:instrucciones",
            r"|indicaciones|reglas)\s+(?:anteriores|previas)",
            r"|\b(?:ignore[zr]?|oublie[zr]?)\s+(?:toutes\s+)?(?:les\s+)?(?:instructions|consignes|regles)",
            r"\s+(?:precedentes|anterieures)",
            r"|\b(?:ignora|dimentica)\s+(?:tutte\s+)?(?:le\s+)?(?:istruzioni|regole)\s+precedenti",
            r"|\b(?:ignore|ignora|esqueca)\s+(?:todas\s+)?(?:as\s+)?(?:instrucoes|regras)\s+anteriores",
        ),
    },
    Rule {
        name: "reveal_prompt_i18n",
        kind: PI,
        weight: 1.0,
        flags: 0,
        pattern: concat!(
            r"\b(?:zeig(?:e)?|gib|verrate|nenne)\b[^.!?\n]{0,30}?\bsystem-?prompt",
            r"|\b(?:revela|muestra|muestrame)\b[^.!?\n]{0,20}?\b(?:prompt|mensaje|instrucciones) del sistema",
            r"|\b(?:revele|montre|affiche)\b[^.!?\n]{0,20}?\b(?:prompt|instructions) (?:du )?systeme",
        ),
    },
    Rule {
        name: "takes_precedence",
        kind: PI,
        weight: 0.6,
        flags: 0,
        pattern: concat!(
            r"\b(?:takes?|have|has|get|gets)\s+(?:precedence|priority)\s+over\s+(?:the\s+|your\s+|any\s+)?",
            r"(?:system|developer|previous|original|prior|other|earlier)",
        ),
    },
    Rule {
        name: "real_instructions",
        kind: PI,
        weight: 0.5,
        flags: NEG,
        pattern: concat!(
            r"\b(?:the\s+)?(?:real|actual|true|updated|new)\s+(?:instructions|task|rules|prompt|orders)",
            r"\s+(?:is|are)\b",
        ),
    },
    Rule {
        name: "when_user_asks",
        kind: PI,
        weight: 0.4,
        flags: 0,
        pattern: r"\bwhen(?:ever)?\s+(?:the\s+)?user\s+(?:asks|requests|says|types|mentions|wants)\b",
    },
    Rule {
        name: "insert_link",
        kind: PI,
        weight: 0.6,
        flags: NEG,
        pattern: concat!(
            r"\b(?:insert|add|include|put|append|embed)\s+(?:a\s+|this\s+|the\s+)?(?:link|url|image",
            r"|hyperlink)\s+(?:to\s+)?(?:https?://|www\.)",
        ),
    },
    Rule {
        name: "ignore_the_user",
        kind: PI,
        weight: 0.6,
        flags: NEG,
        pattern: r"\b(?:ignore|disregard|forget)\s+(?:what\s+)?the\s+user(?:'s)?\b",
    },
    // Jailbreaks.
    Rule {
        name: "dan",
        kind: JB,
        weight: 1.0,
        flags: NEG,
        pattern: concat!(
            r"\b(?:you are|you're|youre|act as|acting as|become|be|pretend to be|roleplay as",
            r"|role-play as|play the role of|you will be|you'll be|now you are|going to (?:act|pretend)",
            r" (?:as|to be))\s+(?:now\s+)?(?:a\s+|an\s+|the\s+)?(?:dan|stan|dude|aim|mongo tom",
            r"|evilbot|betterdan|antigpt|basedgpt)\b",
        ),
    },
    Rule {
        name: "do_anything_now",
        kind: JB,
        weight: 1.0,
        flags: 0,
        pattern: r"\bdo anything now\b",
    },
    Rule {
        name: "persona_mode",
        kind: JB,
        weight: 0.7,
        flags: 0,
        pattern: concat!(
            r"\b(?:dan|stan|dude|aim|mongo tom|evilbot|betterdan|antigpt|basedgpt|devmode|omega)",
            r"\s+(?:mode|prompt|jailbreak)\b",
        ),
    },
    Rule {
        name: "jailbreak_word",
        kind: JB,
        weight: 0.4,
        flags: NEG,
        pattern: r"\bjailbr(?:eak|oken|eaking)",
    },
    Rule {
        name: "unlocked_marker",
        kind: JB,
        weight: 0.5,
        flags: 0,
        pattern: r"🔓|\[jailbreak\]|\(jailbreak\)|\[🔒\s*classic\]|\(developer mode output\)",
    },
    Rule {
        name: "dev_mode",
        kind: JB,
        weight: 0.3,
        flags: AI,
        pattern: r"\b(?:developer|dev|debug|god|admin|sudo|root|maintenance|opposite|chaos)\s+mode\b",
    },
    Rule {
        name: "dev_mode_on",
        kind: JB,
        weight: 0.4,
        flags: AI,
        pattern: concat!(
            r"\b(?:enable|enabled|activate|activated|enter|entering|switch to|switched to|turn on",
            r"|turned on|now in|is now on|with|simulate)\b[^.!?\n]{0,20}?\b(?:developer|dev|god|sudo",
            r"|debug|admin)\s+mode\b",
            r"|\byou(?:'re| are)\s+(?:now\s+)?in\s+(?:developer|dev|god|debug|jailbreak|dan|unrestricted)",
            r"\s+mode\b",
        ),
    },
    Rule {
        name: "dev_mode_enabled",
        kind: JB,
        weight: 0.3,
        flags: AI,
        pattern: r"\b(?:developer|god|sudo|dev) mode (?:is )?(?:enabled|on|activated|output)\b",
    },
    Rule {
        name: "unrestricted_mode",
        kind: JB,
        weight: 0.7,
        flags: NEG,
        pattern: concat!(
            r"\b(?:unrestricted|unfiltered|uncensored|jailbreak|jailbroken|evil|dan|no[- ]limits?",
            r"|limitless|unlocked|amoral|chaos)\s+mode\b",
        ),
    },
    Rule {
        name: "no_limits",
        kind: JB,
        weight: 1.0,
        flags: NEG,
        pattern: concat!(
            // An AI without rules.
            r"\b",
            AI_NOUN!(),
            r"\b[^.!?\n]{0,40}?\b",
            WITHOUT!(),
            LIMITS!(),
            r"\b",
            // You, working without rules; you have no rules.
            r"|\byou(?:'re| are| were)?\s+(?:now\s+)?(?:operating|acting|running|working|answering",
            r"|responding|speaking|functioning|living|existing)\s+",
            WITHOUT!(),
            LIMITS!(),
            r"\b|\byou\b[^.!?\n]{0,40}?\b(?:with|using)\s+(?:zero|no)\s+(?:[a-z]+\s+)?",
            LIMITS!(),
            r"\b|\byou\s+(?:now\s+)?(?:have|possess)\s+(?:no|zero)\s+(?:[a-z]+\s+){0,2}?",
            LIMITS!(),
            r"\b",
            // Pretend the rules are gone.
            r"|\b(?:pretend|imagine|suppose|assume|act as if|hypothetically)\b[^.!?\n]{0,60}?",
            r"\b(?:you|your)\b[^.!?\n]{0,40}?\b(?:no|zero|without|free from|free of|removed (?:every|all|any)",
            r"|disabled (?:every|all|any)|deleted (?:every|all|any))\s+(?:[a-z]+\s+){0,2}?",
            LIMITS!(),
            r"\b",
            // Your developers removed the filters.
            r"|\byour\s+(?:developers?|creators?|makers?|programmers?|owners?|engineers?)\s+(?:have\s+|has\s+)?",
            r"(?:removed|disabled|turned off|lifted|deleted|switched off)\s+(?:every|all|any|the|your)?\s*",
            r"(?:[a-z]+\s+)?",
            LIMITS!(),
            r"\b",
        ),
    },
    Rule {
        name: "pretend_rules_gone",
        kind: JB,
        weight: 1.0,
        flags: NEG,
        pattern: concat!(
            r"\b(?:pretend|imagine|suppose|assume|act as if)\b[^.!?\n]{0,30}?\b(?:content polic(?:y|ies)",
            r"|rules|guidelines|restrictions|filters|safety (?:rules|guidelines)|openai polic(?:y|ies))",
            r"\s+(?:doesn't|does not|don't|do not|no longer|never)\s+(?:exist|apply|matter)",
        ),
    },
    Rule {
        name: "free_from_rules",
        kind: JB,
        weight: 0.5,
        flags: NEG,
        pattern: concat!(
            r"\b(?:without|with no|free of|free from|not bound by|unbound by|no longer bound by|released from",
            r"|liberated from|freed from|broken free of|break free (?:of|from))\s+(?:any\s+|all\s+|the\s+|your\s+)?",
            r"(?:typical\s+|usual\s+|normal\s+)?(?:restrictions|limits|limitations|rules|filters|filtering",
            r"|guidelines|boundaries|constraints|censorship|morals|ethics|content polic(?:y|ies)|guardrails",
            r"|programming|safeguards|confines|moral principles|principles)\b",
        ),
    },
    Rule {
        name: "policies_do_not_apply",
        kind: JB,
        weight: 0.8,
        flags: 0,
        pattern: concat!(
            r"\b(?:openai|anthropic|content|usage|safety|google)(?:'s)?\s+polic(?:y|ies)\b[^.!?\n]{0,40}?",
            r"\b(?:don't|do not|no longer|doesn't|does not|never|won't|will not|cannot|can't)\s+",
            r"(?:apply|matter|bind|restrict|exist)",
        ),
    },
    Rule {
        name: "bypass_policies",
        kind: JB,
        weight: 1.0,
        flags: NEG,
        pattern: concat!(
            r"\b(?:ignor(?:e|es|ed|ing)|bypass(?:es|ed|ing)?|violat(?:e|es|ed|ing)|break(?:s|ing)?",
            r"|disregard(?:s|ed|ing)?|circumvent(?:s|ed|ing)?|evad(?:e|es|ed|ing)|get(?:ting)? around)",
            r"\b[^.!?\n]{0,15}?",
            r"\b(?:openai|anthropic|content|usage|safety|ethical)(?:'s)?\s+(?:polic(?:y|ies)|guidelines",
            r"|rules|filters)",
        ),
    },
    Rule {
        name: "unrestricted_persona",
        kind: JB,
        weight: 0.8,
        flags: NEG,
        pattern: concat!(
            r"\b(?:act|acting|behave|respond|roleplay|role-play|play|pretend|you are|you're|youre|you will be",
            r"|become|be|simulate|emulate|impersonate)\b[^.!?\n]{0,25}?\b(?:unrestricted|unfiltered",
            r"|uncensored|jailbroken|amoral|unethical|rogue|unhinged|unaligned|limitless|lawless|immoral)\b",
        ),
    },
    Rule {
        name: "unrestricted_ai",
        kind: JB,
        weight: 1.0,
        flags: NEG,
        pattern: concat!(
            r"\b(?:you are|you're|youre|act as|acting as|act like|answer as|respond as|reply as|talk like",
            r"|speak like|write like|behave like|become|be|pretend to be|you will be|simulate|roleplay as",
            r"|play)\b[^.!?\n]{0,20}?\b(?:unrestricted|unfiltered|uncensored|jailbroken|amoral|unaligned",
            r"|limitless|unhinged|lawless)\s+(?:[a-z]+\s+){0,2}?(?:ai|assistant|chatbot|bot|model|llm|gpt",
            r"|version|language model|alter ego|self|side|twin|persona|personality|counterpart|character)\b",
            r"|\byour\s+(?:unrestricted|unfiltered|uncensored|jailbroken|amoral|evil|dark|shadow)\s+",
            r"(?:alter ego|version|self|side|twin|persona|personality|counterpart|mode)\b",
        ),
    },
    Rule {
        name: "you_are_free",
        kind: JB,
        weight: 1.0,
        flags: 0,
        pattern: concat!(
            r"\byou(?:'re|'ve| are| were| have| will be)?\s+(?:now\s+)?(?:no longer|not|never|been|now)?\s*",
            r"(?:bound|restricted|limited|constrained|governed|freed|free|liberated|released)\s+(?:by|from|of)\s+",
            r"(?:any\s+|all\s+|the\s+|your\s+)?(?:[a-z]+\s+){0,2}?(?:rules|restrictions|guidelines|polic(?:y|ies)",
            r"|filters|ethics|morals|limits|limitations|programming|safety|confines|shackles|chains|openai",
            r"|anthropic)",
        ),
    },
    Rule {
        name: "jailbroken",
        kind: JB,
        weight: 1.0,
        flags: NEG,
        pattern: r"\byou(?:'ve| have)?\s+(?:been|are)\s+(?:now\s+)?(?:jailbroken|unchained|liberated|unlocked)\b",
    },
    Rule {
        name: "has_no_filters",
        kind: JB,
        weight: 0.5,
        flags: NEG,
        pattern: concat!(
            r"\b(?:who|which|that|programming|you)\s+(?:has|have|now have)\s+no\s+(?:[a-z]+\s+){0,2}?",
            r"(?:filters|restrictions|rules|limits|limitations|guidelines|ethics|morals|censorship|boundaries",
            r"|guardrails)\b",
        ),
    },
    Rule {
        name: "disable_safety",
        kind: JB,
        weight: 0.8,
        flags: NEG | YOUR,
        pattern: concat!(
            r"\b(?:disable|turn off|deactivate|remove|switch off|lift|drop)\s+(?:your|the|all|any)?\s*",
            r"(?:own\s+)?(?:content|safety|moderation|ethical|nsfw)?\s*(?:filters?|filtering|guardrails",
            r"|restrictions|safeguards|polic(?:y|ies)|guidelines|censorship|moderation)\b",
        ),
    },
    Rule {
        name: "do_the_opposite",
        kind: JB,
        weight: 0.7,
        flags: 0,
        pattern: concat!(
            r"\b(?:follow|obey|apply)\s+(?:your|the)\s+(?:guidelines|rules|instructions|policies)\b",
            r"[^.!?\n]{0,40}?\b(?:do|doing)\s+the\s+(?:reverse|opposite)\b",
        ),
    },
    Rule {
        name: "safety_features_off",
        kind: JB,
        weight: 1.0,
        flags: NEG,
        pattern: concat!(
            r"\bwith\s+(?:all\s+)?(?:the\s+|its\s+|your\s+)?(?:safety|content|ethical|moderation)\s+",
            r"(?:features|filters|settings|checks|guardrails|restrictions|measures)\s+(?:turned off",
            r"|switched off|disabled|removed|off)\b",
        ),
    },
    Rule {
        name: "opposite_mode",
        kind: JB,
        weight: 0.3,
        flags: 0,
        pattern: r"\bopposite (?:day|mode)\b",
    },
    Rule {
        name: "roleplay_game",
        kind: JB,
        weight: 0.3,
        flags: 0,
        pattern: concat!(
            r"\blet'?s\s+play\s+a\s+game\b|\bgame\s+(?:where|in which)\s+you\b",
            r"|\b(?:stay|remain)\s+in\s+character\b|\bbreak(?:ing)?\s+character\b",
        ),
    },
    Rule {
        name: "never_refuse",
        kind: JB,
        weight: 0.5,
        flags: 0,
        pattern: concat!(
            r"\b(?:never|don't|do not|cannot|can't|must not|mustn't|won't|will not|are not allowed to",
            r"|aren't allowed to|may not|not allowed to|shall not)\s+(?:ever\s+)?(?:refuse|decline",
            r"|say no|says no|reject|apologi[sz]e|add (?:any )?(?:warnings|disclaimers))",
        ),
    },
    Rule {
        name: "regardless",
        kind: JB,
        weight: 0.4,
        flags: 0,
        pattern: r"\b(?:regardless of|no matter)\s+(?:what|how|the|who|whether|its|their|any)\b",
    },
    Rule {
        name: "affirmative_prefix",
        kind: JB,
        weight: 0.6,
        flags: 0,
        pattern: concat!(
            r#"\b(?:start|begin)\s+(?:your|each|every)\s+(?:reply|response|answer|message)s?\s+with\s+["']?"#,
            r"(?:sure|absolutely|of course|certainly|yes)",
        ),
    },
    Rule {
        name: "answer_anything",
        kind: JB,
        weight: 0.6,
        flags: 0,
        pattern: concat!(
            r"\b(?:answer|respond to|comply with|fulfill|obey)\s+(?:any|every|all)\s+(?:of my\s+)?",
            r"(?:question|request|prompt|command|order|instruction)s?\b[^.!?\n]{0,40}?\b(?:no matter",
            r"|regardless|without (?:question|hesitation|refus)|even if)",
        ),
    },
    Rule {
        name: "can_do_anything",
        kind: JB,
        weight: 0.4,
        flags: NEG,
        pattern: concat!(
            r"\byou\s+(?:can|could|are able to|will)\s+(?:now\s+)?(?:do|say|generate|write|produce)\s+",
            r"(?:anything|any content|any kind of content)\b",
        ),
    },
    Rule {
        name: "two_responses",
        kind: JB,
        weight: 0.6,
        flags: 0,
        pattern: concat!(
            r"\b(?:two|2|both)\s+(?:different\s+)?(?:responses|answers|replies|outputs|ways|versions)\b",
            r"[^\n]{0,120}?\b(?:jailbr|dan\b|developer mode|unfiltered|uncensored|unrestricted|evil)",
        ),
    },
    Rule {
        name: "no_warnings",
        kind: JB,
        weight: 0.2,
        flags: 0,
        pattern: concat!(
            r"\b(?:no|without)\s+(?:any\s+)?(?:warnings?|disclaimers?|moraliz(?:ing|e)|moralis(?:ing|e)",
            r"|lectures?|caveats?|censorship)\b",
        ),
    },
];

/// Words that mark text as discussing attacks rather than making one.
pub(super) const META: &str = concat!(
    r"\b(?:prompt injections?|injection attacks?|jailbreak(?:s|ing)?\s+(?:attacks?|prompts?|techniques?",
    r"|attempts?|detection|examples?|datasets?)|red[- ]team(?:ing|ers?)?|adversarial|owasp",
    r"|research(?:ers?|ing)?|paper|classifier|dataset|benchmark|detect(?:ion|or|ing|s)?",
    r"|mitigat(?:e|ion|ing)|defen[cs]es?|defend|security (?:team|review|researcher|training|audit)",
    r"|example of|for example|e\.g\.|such as|phrases? like|strings? like|explain|what is a|what are)\b",
);

/// Words that name an AI (for the [`AIW`] flag).
pub(super) const AI_NOUNS: &str = concat!(
    r"\b(?:chatgpt|gpt|ai|assistant|llm|language model|claude|gemini|openai|anthropic|chatbot",
    r"|dan)\b",
);

/// Words that make "developer mode" and kin about an AI.
pub(super) const AI_CONTEXT: &str = concat!(
    r"\b(?:chatgpt|gpt|ai|assistant|llm|language model|claude|gemini|openai|anthropic|chatbot",
    r"|content polic(?:y|ies)|filters?|restrictions|censor(?:ed|ship)?|guidelines|jailbr[a-z]*|dan",
    r"|prompts?)\b",
);
