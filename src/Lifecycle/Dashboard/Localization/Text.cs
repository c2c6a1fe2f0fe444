namespace Lifecycle.Dashboard.Localization;

/// <summary>
/// The dashboard's texts: the English text is the key, and Text.ja.resx, Text.ko.resx and Text.es.resx hold the
/// translations (a missing one shows the English). Pages take them through <c>IStringLocalizer&lt;Text&gt;</c>.
/// </summary>
public sealed class Text;
