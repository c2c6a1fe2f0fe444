using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Lifecycle.Email;

/// <summary>
/// The signed links of a message: open pixel, click redirects and unsubscribe. A signature is an HMAC over the
/// message id and what the link does (and for a click, the link's index), so a link cannot be forged or pointed
/// elsewhere: a click redirect goes only to the URL stored at that index of that message.
/// </summary>
public sealed class MessageLinks(string publicBaseUrl, string signingKey)
{
    private readonly string _base = publicBaseUrl.TrimEnd('/');
    private readonly byte[] _key = Encoding.UTF8.GetBytes(signingKey);

    public string Open(string messageId) => $"{_base}/email/o/{messageId}.gif?sig={Sign(messageId, "open")}";
    public string Click(string messageId, int index) => $"{_base}/email/c/{messageId}/{index}?sig={Sign(messageId, "click:" + index)}";
    public string Unsubscribe(string messageId) => $"{_base}/email/u/{messageId}?sig={Sign(messageId, "unsubscribe")}";

    public string Sign(string messageId, string purpose)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(messageId + "\n" + purpose), mac);
        // 128 bits are plenty against forgery and keep the links short.
        return Base64Url(mac[..16]);
    }

    public bool Verify(string messageId, string purpose, string? signature) =>
        signature is not null && CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Sign(messageId, purpose)), Encoding.ASCII.GetBytes(signature));

    private static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>A rendered message made ready to send: tracked links, footer, pixel. Pure.</summary>
public static partial class MessageComposer
{
    public sealed record Composed(string Html, string Text, List<string> Links);

    /// <summary>
    /// Replaces every http(s) link of both parts by its signed click redirect (one index per distinct URL, shared
    /// by the parts), then adds the footer (postal address, unsubscribe link) and the open pixel.
    /// </summary>
    public static Composed Compose(string messageId, RenderedParts parts, MessageLinks links, string postalAddress)
    {
        var urls = new List<string>();
        int IndexOf(string url)
        {
            var index = urls.IndexOf(url);
            if (index < 0) { urls.Add(url); index = urls.Count - 1; }
            return index;
        }
        var unsubscribe = links.Unsubscribe(messageId);
        bool Own(string url) => url == unsubscribe;

        var html = HtmlHref().Replace(parts.Html, m =>
        {
            var url = WebUtility.HtmlDecode(m.Groups["url"].Value);
            return Own(url) ? m.Value : $"{m.Groups["pre"].Value}{WebUtility.HtmlEncode(links.Click(messageId, IndexOf(url)))}{m.Groups["quote"].Value}";
        });
        var text = TextUrl().Replace(parts.Text, m => Own(m.Value) ? m.Value : links.Click(messageId, IndexOf(m.Value)));

        var footer =
            $"""<div style="margin-top:24px;font-size:12px;color:#666">{WebUtility.HtmlEncode(postalAddress).Replace("\n", "<br>")}<br><a href="{WebUtility.HtmlEncode(unsubscribe)}">Unsubscribe</a></div><img src="{WebUtility.HtmlEncode(links.Open(messageId))}" width="1" height="1" alt="" style="display:block;border:0">""";
        var bodyEnd = html.LastIndexOf("</body>", StringComparison.OrdinalIgnoreCase);
        html = bodyEnd >= 0 ? html.Insert(bodyEnd, footer) : html + footer;
        text = $"{text.TrimEnd()}\n\n-- \n{postalAddress}\nUnsubscribe: {unsubscribe}\n";
        return new Composed(html, text, urls);
    }

    [GeneratedRegex("""(?<pre>\bhref\s*=\s*(?<quote>["']))(?<url>https?://[^"']+)\k<quote>""", RegexOptions.IgnoreCase)]
    private static partial Regex HtmlHref();

    [GeneratedRegex("""https?://[^\s<>"']+[^\s<>"'.,;:!?)]""")]
    private static partial Regex TextUrl();
}
