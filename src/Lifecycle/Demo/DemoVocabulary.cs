namespace Lifecycle.Demo;

/// <summary>Names, places and words the demo draws from: four languages, as the product's users have.</summary>
internal static class DemoVocabulary
{
    public sealed record Market(string Country, string Language, string TimeZone, double Weight, string[] FamilyNames, string[] GivenNames, string[] CompanyPatterns, string Tld);

    public static readonly Market[] Markets =
    [
        new("JP", "ja", "Asia/Tokyo", 0.30, ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"],
            ["花子", "太郎", "陽菜", "健太", "美咲", "翔", "結衣", "大輔", "さくら", "拓海"], ["株式会社{0}", "{0}工業株式会社", "{0}システムズ"], "co.jp"),
        new("KR", "ko", "Asia/Seoul", 0.20, ["김", "이", "박", "최", "정", "강", "조", "윤"],
            ["민지", "서준", "지우", "하준", "서연", "도윤", "수아", "예준"], ["주식회사 {0}", "{0}테크", "{0}솔루션"], "co.kr"),
        new("ES", "es", "Europe/Madrid", 0.15, ["García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez"],
            ["Lucía", "José", "María", "Javier", "Carmen", "Álvaro", "Sofía", "Íñigo"], ["{0} S.L.", "Grupo {0}", "{0} Soluciones S.A."], "es"),
        new("MX", "es", "America/Mexico_City", 0.10, ["Hernández", "Ramírez", "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Cruz"],
            ["Sofía", "Mateo", "Valentina", "Santiago", "Ximena", "Diego", "Regina", "Emiliano"], ["{0} S.A. de C.V.", "Corporativo {0}", "{0} Digital"], "com.mx"),
        new("US", "en", "America/New_York", 0.15, ["Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson"],
            ["Emma", "Liam", "Olivia", "Noah", "Ava", "James", "Mia", "Lucas"], ["{0} Inc.", "{0} Labs", "{0} Systems"], "com"),
        new("GB", "en", "Europe/London", 0.05, ["Taylor", "Evans", "Thomas", "Roberts", "Walker", "Wright"],
            ["Oliver", "Amelia", "George", "Isla", "Harry", "Grace"], ["{0} Ltd", "{0} Group plc"], "co.uk"),
        new("DE", "en", "Europe/Berlin", 0.05, ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner"],
            ["Lena", "Lukas", "Anna", "Felix", "Marie", "Jonas"], ["{0} GmbH", "{0} AG"], "de"),
    ];

    public static readonly string[] CompanyStems =
        ["Sakura", "Fuji", "Hanbit", "Mirae", "Aurora", "Solaris", "Nimbus", "Vértice", "Cúspide", "Atlas", "Kairos", "Orion", "Helix", "Quanta", "Boreal", "Nova", "Pangea", "Tesela"];

    public static readonly string[] Industries = ["software", "manufacturing", "finance", "healthcare", "retail", "logistics", "education", "media"];

    public static readonly (string Title, double Fit)[] Titles =
    [
        ("CMO", 1.6), ("VP Marketing", 1.5), ("Head of Demand Generation", 1.4), ("Marketing Manager", 1.15), ("Marketing Operations Manager", 1.25),
        ("Sales Director", 1.1), ("Product Manager", 0.8), ("Marketing Specialist", 0.85), ("Analyst", 0.7), ("Student", 0.2), ("Consultant", 0.6),
    ];

    public static readonly string[] Reps = ["rep-tanaka", "rep-kim", "rep-garcia", "rep-smith", "rep-suzuki", "rep-lopez"];

    public static readonly (string Channel, bool Paid, string UtmSource, string UtmMedium)[] Channels =
    [
        ("paid_search", true, "google", "cpc"), ("paid_social", true, "linkedin", "paid_social"), ("organic_search", false, "google", "organic"),
        ("email", false, "newsletter", "email"), ("referral", false, "partner-blog", "referral"), ("events", true, "expo", "event"),
        ("webinar", false, "lifecycle", "webinar"), ("content", true, "syndication", "content"), ("partners", true, "reseller", "partner"),
    ];

    /// <summary>Campaign name patterns per language ({0} = quarter or theme).</summary>
    public static readonly Dictionary<string, string[]> CampaignNames = new()
    {
        ["ja"] = ["ウェビナー：ライフサイクル指標 {0}", "リード獲得キャンペーン {0}", "展示会 東京 {0}"],
        ["ko"] = ["웨비나: 고객 생애주기 {0}", "리드 육성 캠페인 {0}"],
        ["es"] = ["Webinar: métricas del embudo {0}", "Campaña de captación {0}", "Evento Madrid {0}"],
        ["en"] = ["Lifecycle Metrics Webinar {0}", "Demand Gen Push {0}", "Customer Newsletter {0}"],
    };

    public static readonly Dictionary<string, (string[] Promoter, string[] Passive, string[] Detractor)> Verbatims = new()
    {
        ["ja"] = (["レポートが分かりやすく、営業との会話が増えました。", "導入後すぐに効果が出ました。"], ["便利ですが、設定に時間がかかりました。"], ["画面が使いにくいです。", "サポートの返答が遅い。"]),
        ["ko"] = (["대시보드 덕분에 영업팀과 같은 숫자를 봅니다.", "추천합니다!"], ["좋지만 한국어 문서가 더 필요합니다."], ["가격이 너무 비쌉니다.", "보고서가 느려요."]),
        ["es"] = (["Por fin marketing y ventas miran el mismo embudo.", "Muy útil, gracias."], ["Buena herramienta, aunque la configuración cuesta."], ["Demasiado caro para nosotros.", "Faltan integraciones."]),
        ["en"] = (["The funnel report changed how we run pipeline reviews.", "Great support team."], ["Solid, but onboarding took a while."], ["Too expensive for what we use.", "Reports are slow on big months."]),
    };

    public static readonly string[] DisqualifyReasons = ["bad fit", "duplicate", "competitor"];
}
