using System.Net;
using System.Net.Sockets;

namespace Lifecycle.Pipeline.Webhooks;

/// <summary>
/// The guard against server-side request forgery: webhook deliveries may not reach loopback, private
/// (RFC 1918, fc00::/7), link-local (169.254/16 with the cloud metadata address, fe80::/10), carrier-grade NAT
/// (100.64/10, which holds another cloud's metadata address), unspecified, multicast or broadcast addresses.
/// The check runs on the resolved address at connect time (SocketsHttpHandler.ConnectCallback), so a name that
/// resolves to a private address, or changes its answer after the URL was checked (DNS rebinding), is refused too.
/// </summary>
public static class TargetGuard
{
    private static readonly (IPAddress Network, int Prefix)[] Forbidden =
    [
        (IPAddress.Parse("0.0.0.0"), 8), (IPAddress.Parse("10.0.0.0"), 8), (IPAddress.Parse("100.64.0.0"), 10),
        (IPAddress.Parse("127.0.0.0"), 8), (IPAddress.Parse("169.254.0.0"), 16), (IPAddress.Parse("172.16.0.0"), 12),
        (IPAddress.Parse("192.0.0.0"), 24), (IPAddress.Parse("192.168.0.0"), 16), (IPAddress.Parse("198.18.0.0"), 15),
        (IPAddress.Parse("224.0.0.0"), 4), (IPAddress.Parse("240.0.0.0"), 4),
        (IPAddress.Parse("::"), 128), (IPAddress.Parse("::1"), 128), (IPAddress.Parse("fc00::"), 7),
        (IPAddress.Parse("fe80::"), 10), (IPAddress.Parse("ff00::"), 8), (IPAddress.Parse("64:ff9b::"), 96),
    ];

    /// <summary>Why this address may not be a webhook target, or null when it may.</summary>
    public static string? Refusal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        foreach (var (network, prefix) in Forbidden)
        {
            if (network.AddressFamily == address.AddressFamily && InNetwork(address, network, prefix))
                return $"{address} is a loopback, private, link-local or reserved address ({network}/{prefix})";
        }
        return null;
    }

    /// <summary>A ConnectCallback that resolves the host and connects only to an allowed address.</summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> ConnectCallback(bool allowPrivate) =>
        async (context, cancel) =>
        {
            var endpoint = context.DnsEndPoint;
            var addresses = IPAddress.TryParse(endpoint.Host, out var literal)
                ? [literal]
                : await Dns.GetHostAddressesAsync(endpoint.Host, cancel);
            var allowed = allowPrivate ? addresses : addresses.Where(a => Refusal(a) is null).ToArray();
            if (allowed.Length == 0)
                throw new WebhookTargetRefusedException($"refused: {endpoint.Host} resolves to no allowed address ({string.Join("; ", addresses.Select(a => Refusal(a) ?? a.ToString()))})");
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed, endpoint.Port, cancel);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };

    private static bool InNetwork(IPAddress address, IPAddress network, int prefix)
    {
        var a = address.GetAddressBytes();
        var n = network.GetAddressBytes();
        var whole = prefix / 8;
        for (var i = 0; i < whole; i++)
            if (a[i] != n[i]) return false;
        var rest = prefix % 8;
        if (rest == 0) return true;
        var mask = (byte)(0xFF << (8 - rest));
        return (a[whole] & mask) == (n[whole] & mask);
    }
}

public sealed class WebhookTargetRefusedException(string message) : IOException(message);
