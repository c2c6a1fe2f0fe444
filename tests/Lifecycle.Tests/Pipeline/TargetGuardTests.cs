using System.Net;
using System.Net.Sockets;
using Lifecycle.Pipeline.Webhooks;

namespace Lifecycle.Tests.Pipeline;

public class TargetGuardTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.0.9")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")] // cloud metadata
    [InlineData("100.100.100.200")] // another cloud's metadata, in 100.64/10
    [InlineData("0.0.0.0")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("fd00::1")]
    [InlineData("fc12:3456::1")]
    [InlineData("fd00:ec2::254")] // metadata over IPv6
    [InlineData("fe80::1")]
    [InlineData("::ffff:10.0.0.1")] // IPv4-mapped private address
    [InlineData("::ffff:127.0.0.1")]
    public void Loopback_private_link_local_and_metadata_addresses_are_refused(string address) =>
        Assert.NotNull(TargetGuard.Refusal(IPAddress.Parse(address)));

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("93.184.216.34")]
    [InlineData("172.32.0.1")] // just past 172.16/12
    [InlineData("172.15.255.255")] // just before it
    [InlineData("192.169.0.1")]
    [InlineData("2001:4860:4860::8888")]
    [InlineData("fe00::1")] // below fe80::/10
    public void Public_addresses_are_allowed(string address) =>
        Assert.Null(TargetGuard.Refusal(IPAddress.Parse(address)));

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")] // a name: refused on the address it resolves to, at connect time
    public async Task The_connect_callback_refuses_a_loopback_listener_unless_private_targets_are_allowed(string host)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var guarded = new HttpClient(new SocketsHttpHandler { ConnectCallback = TargetGuard.ConnectCallback(allowPrivate: false), UseProxy = false });
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => guarded.GetAsync($"http://{host}:{port}/"));
        Assert.IsType<WebhookTargetRefusedException>(refused.InnerException);
        Assert.False(listener.Pending());

        using var allowed = new HttpClient(new SocketsHttpHandler { ConnectCallback = TargetGuard.ConnectCallback(allowPrivate: true), UseProxy = false })
            { Timeout = TimeSpan.FromSeconds(1) };
        // The listener accepts the connection but never answers: reaching it is what the allowed client must do.
        await Assert.ThrowsAnyAsync<Exception>(() => allowed.GetAsync($"http://127.0.0.1:{port}/"));
        Assert.True(listener.Pending());
    }
}
