using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace Lifecycle.Bench;

/// <summary>
/// First byte of each dashboard page as a signed-in user sees it: signs in through the login form (cookie and
/// anti-forgery token), then requests every page <c>runs</c> times in a row and prints the median time until the
/// response headers arrived (the server renders the page before it sends them). The first request of each page is
/// included, so a cold cache shows in the maximum.
/// </summary>
public static partial class DashboardFirstByte
{
    public static readonly string[] Pages =
    [
        "/", "/funnel", "/nurture", "/convert", "/expand", "/attribution", "/experiments",
        "/contacts", "/accounts", "/programs", "/segments", "/settings",
    ];

    public static async Task<int> RunAsync(string baseUrl, string email, string password, int runs)
    {
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(5),
        };
        var login = await client.GetStringAsync("/login");
        var token = TokenField().Match(login).Groups[1].Value;
        var signedIn = await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token), ["_handler"] = "login", ["Input.Email"] = email, ["Input.Password"] = password,
        }));
        if (signedIn.StatusCode != HttpStatusCode.Redirect || signedIn.Headers.Location?.OriginalString.Contains("login") == true)
        {
            Console.Error.WriteLine($"sign-in failed: {(int)signedIn.StatusCode} {signedIn.Headers.Location}");
            return 2;
        }
        Console.WriteLine($"{"page",-14} {"median ms",10} {"min ms",8} {"max ms",8}  (runs: {runs})");
        foreach (var page in Pages)
        {
            var times = new List<double>();
            for (var run = 0; run < runs; run++)
            {
                var watch = Stopwatch.StartNew();
                using var response = await client.GetAsync(page, HttpCompletionOption.ResponseHeadersRead);
                times.Add(watch.Elapsed.TotalMilliseconds);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    Console.Error.WriteLine($"{page}: {(int)response.StatusCode}");
                    return 2;
                }
                await response.Content.ReadAsByteArrayAsync();
            }
            times.Sort();
            Console.WriteLine($"{page,-14} {times[times.Count / 2],10:F0} {times[0],8:F0} {times[^1],8:F0}");
        }
        return 0;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
