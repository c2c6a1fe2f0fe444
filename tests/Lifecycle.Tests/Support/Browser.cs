using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Lifecycle.Tests.Support;

/// <summary>Debian's Chromium driven by Playwright (test.sh installs the `chromium` package; never `playwright install`).</summary>
public static class Browser
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"{ChromiumPath} is missing. Run the tests with ./test.sh, which installs Debian's chromium.");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        return (playwright, browser);
    }

    /// <summary>
    /// Waits until the page's address matches a glob (`**` any text, `*` any text without a slash) or a pattern.
    /// Polls the address instead of WaitForURLAsync, whose wait for the load event after a click-started navigation
    /// sometimes misses the event on a loaded machine (CI timed out with the page long loaded).
    /// </summary>
    public static Task ArrivesAtAsync(this IPage page, string glob) => page.ArrivesAtAsync(GlobPattern(glob));

    public static Task ArrivesAtAsync(this IPage page, Regex address) =>
        Assertions.Expect(page).ToHaveURLAsync(address, new() { Timeout = 60_000 });

    /// <summary>
    /// Waits for the load event of the page's current document. WaitForLoadStateAsync checks the states seen so far and then
    /// subscribes, so a load event that lands between the two is missed; asking again in short slices sees it.
    /// </summary>
    public static async Task LoadedAsync(this IPage page)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(60); ; )
        {
            try { await page.WaitForLoadStateAsync(LoadState.Load, new() { Timeout = 2_000 }); return; }
            catch (TimeoutException) when (DateTime.UtcNow < deadline) { }
        }
    }

    private static Regex GlobPattern(string glob) =>
        new("^" + Regex.Escape(glob).Replace(@"\*\*", ".*").Replace(@"\*", "[^/]*") + "$");
}
