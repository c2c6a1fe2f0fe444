using System.Security.Cryptography;
using System.Text;
using Lifecycle.Pipeline.Webhooks;

namespace Lifecycle.Tests.Pipeline;

public class WebhookSignatureTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.Parse("2026-11-27T14:00:00Z");
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"type\":\"deal.won\"}");

    [Fact]
    public void The_header_is_the_HMAC_SHA256_of_timestamp_dot_body()
    {
        // 2026-11-27T14:00:00Z is 1,795,788,000 s after the epoch (20,784 days × 86,400 + 14 × 3,600).
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes("whsec_test_secret_0123"),
            Encoding.UTF8.GetBytes("1795788000.{\"type\":\"deal.won\"}")));
        Assert.Equal($"t=1795788000,v1={expected}", WebhookSignature.Sign("whsec_test_secret_0123", Body, At));
    }

    [Fact]
    public void Verification_refuses_another_body_another_secret_and_an_old_timestamp()
    {
        var header = WebhookSignature.Sign("whsec_test_secret_0123", Body, At);
        var tolerance = TimeSpan.FromMinutes(5);
        Assert.True(WebhookSignature.Verify("whsec_test_secret_0123", header, Body, At.AddMinutes(4), tolerance));
        Assert.False(WebhookSignature.Verify("whsec_test_secret_0123", header, Encoding.UTF8.GetBytes("{\"type\":\"deal.lost\"}"), At, tolerance));
        Assert.False(WebhookSignature.Verify("whsec_other_secret_0123", header, Body, At, tolerance));
        Assert.False(WebhookSignature.Verify("whsec_test_secret_0123", header, Body, At.AddMinutes(6), tolerance)); // a replay
        Assert.False(WebhookSignature.Verify("whsec_test_secret_0123", "t=1795788000,v1=zz", Body, At, tolerance));
        Assert.False(WebhookSignature.Verify("whsec_test_secret_0123", null, Body, At, tolerance));
    }
}
