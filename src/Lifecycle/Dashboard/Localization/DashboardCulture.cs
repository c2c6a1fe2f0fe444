using System.Globalization;
using Microsoft.AspNetCore.Localization;

namespace Lifecycle.Dashboard.Localization;

/// <summary>
/// Which language and formats a dashboard request gets: the language picked in the dashboard (a cookie), else the
/// browser's Accept-Language, else English. Texts come in English, Japanese, Korean and Spanish; numbers and dates
/// follow the whole culture the browser asks for (es-MX writes 1,234.5, es-ES 1.234,5). The REST and tracking APIs
/// are left out: their JSON is culture-invariant.
/// </summary>
public static class DashboardCulture
{
    public const string CookieName = "lifecycle.lang";
    public static readonly string[] Languages = ["en", "ja", "ko", "es"];

    public static readonly IReadOnlyDictionary<string, string> LanguageNames = new Dictionary<string, string>
    {
        ["en"] = "English", ["ja"] = "日本語", ["ko"] = "한국어", ["es"] = "Español",
    };

    public static RequestLocalizationOptions Options()
    {
        var formatting = CultureInfo.GetCultures(CultureTypes.AllCultures)
            .Where(c => Languages.Contains(c.TwoLetterISOLanguageName) && c.Name.Length > 0)
            .ToList();
        var options = new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture("en-US", "en"),
            SupportedCultures = formatting,
            SupportedUICultures = Languages.Select(CultureInfo.GetCultureInfo).ToList(),
            FallBackToParentCultures = true,
            FallBackToParentUICultures = true,
        };
        options.RequestCultureProviders =
        [
            new CookieRequestCultureProvider { CookieName = CookieName },
            new AcceptLanguageHeaderRequestCultureProvider(),
        ];
        return options;
    }

    /// <summary>The cookie value for a language picked by hand, or null for a language we do not offer.</summary>
    public static string? CookieValue(string? language) =>
        language is not null && Languages.Contains(language)
            ? CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(language, language))
            : null;
}
