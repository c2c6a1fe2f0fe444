using System.Globalization;
using System.Text.RegularExpressions;
using Lifecycle.Dashboard.Localization;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Lifecycle.Tests.Dashboard;

public partial class TranslationTests
{
    [GeneratedRegex(@"T\[""((?:[^""\\]|\\.)+)""")]
    private static partial Regex TextKey();

    /// <summary>Every text a page asks for (T["…"] in the .razor files) is translated into Japanese, Korean and Spanish.</summary>
    [Fact]
    public void Every_text_on_every_page_has_a_translation_in_each_language()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "Lifecycle.slnx"))) root = root.Parent!;
        var dashboard = Path.Combine(root.FullName, "src", "Lifecycle", "Dashboard");
        var keys = Directory.EnumerateFiles(dashboard, "*.razor", SearchOption.AllDirectories)
            .SelectMany(file => TextKey().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value))
            .ToHashSet();
        Assert.Contains("Overview", keys); // the scan itself finds the texts

        var factory = new ResourceManagerStringLocalizerFactory(Options.Create(new LocalizationOptions()), NullLoggerFactory.Instance);
        var localizer = factory.Create(typeof(Text));
        var missing = new List<string>();
        foreach (var language in DashboardCulture.Languages.Where(l => l != "en"))
        {
            var previous = CultureInfo.CurrentUICulture;
            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(language);
            try
            {
                missing.AddRange(keys.Where(key => localizer[key].ResourceNotFound).Select(key => $"{language}: {key}"));
            }
            finally
            {
                CultureInfo.CurrentUICulture = previous;
            }
        }
        Assert.Empty(missing);
    }
}
