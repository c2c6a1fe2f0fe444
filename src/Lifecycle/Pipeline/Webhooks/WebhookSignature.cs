using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Lifecycle.Pipeline.Webhooks;

/// <summary>
/// The <c>X-Lifecycle-Signature</c> header: <c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256&gt;</c>, the HMAC keyed
/// with the webhook's secret over <c>"{t}.{body}"</c>. Signing the timestamp with the body lets a receiver refuse
/// replays: a captured request is worthless once its t is older than the receiver's tolerance. Pure.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "X-Lifecycle-Signature";

    public static string Sign(string secret, byte[] body, DateTimeOffset at)
    {
        var timestamp = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"t={timestamp},v1={Convert.ToHexStringLower(Mac(secret, timestamp, body))}";
    }

    /// <summary>True when the header carries a valid MAC of this body and a timestamp within the tolerance of now.</summary>
    public static bool Verify(string secret, string? header, byte[] body, DateTimeOffset now, TimeSpan tolerance)
    {
        if (header is null) return false;
        string? timestamp = null, mac = null;
        foreach (var part in header.Split(','))
        {
            var pair = part.Split('=', 2);
            if (pair.Length != 2) continue;
            if (pair[0].Trim() == "t") timestamp = pair[1].Trim();
            else if (pair[0].Trim() == "v1") mac = pair[1].Trim();
        }
        if (timestamp is null || mac is null || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return false;
        if ((now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > tolerance) return false;
        byte[] given;
        try { given = Convert.FromHexString(mac); } catch (FormatException) { return false; }
        return CryptographicOperations.FixedTimeEquals(given, Mac(secret, timestamp, body));
    }

    private static byte[] Mac(string secret, string timestamp, byte[] body)
    {
        var signed = new byte[timestamp.Length + 1 + body.Length];
        Encoding.ASCII.GetBytes(timestamp, signed);
        signed[timestamp.Length] = (byte)'.';
        body.CopyTo(signed, timestamp.Length + 1);
        return HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
    }
}
