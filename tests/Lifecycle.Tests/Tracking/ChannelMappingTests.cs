using Lifecycle.Tracking;

namespace Lifecycle.Tests.Tracking;

public class ChannelMappingTests
{
    [Theory]
    [InlineData("cpc", "google", null, "paid_search")]
    [InlineData("CPC", "Google", null, "paid_search")]
    [InlineData("cpc", "linkedin", null, "paid_social")]
    [InlineData("paid_social", "facebook", null, "paid_social")]
    [InlineData("email", "newsletter", null, "email")]
    [InlineData("event", "expo-tokyo", null, "events")]
    [InlineData("webinar", null, null, "webinar")]
    [InlineData("partner", "acme", null, "partners")]
    [InlineData("referral", null, "https://blog.example.org/post", "referral")]
    [InlineData(null, null, "https://www.google.co.jp/search?q=crm", "organic_search")]
    [InlineData(null, null, "https://search.naver.com/search.naver?query=crm", "organic_search")]
    [InlineData(null, null, "https://www.linkedin.com/feed/", "organic_social")]
    [InlineData(null, null, "https://t.co/abc", "organic_social")]
    [InlineData(null, null, "https://partner-blog.example.net/review", "referral")]
    [InlineData(null, null, null, "direct")]
    [InlineData(null, null, "", "direct")]
    [InlineData("carrier_pigeon", null, null, "other")]
    public void Default_mapping(string? medium, string? source, string? referrer, string expected)
    {
        Assert.Equal(expected, ChannelMapping.Default.Channel(medium, source, referrer));
    }

    [Fact]
    public void A_referrer_on_the_same_site_is_direct_not_referral()
    {
        Assert.Equal("direct", ChannelMapping.Default.Channel(null, null, "https://www.example.com/pricing", "example.com"));
        Assert.Equal("referral", ChannelMapping.Default.Channel(null, null, "https://other.org/", "example.com"));
    }

    [Fact]
    public void Utm_parameters_win_over_the_referrer()
    {
        Assert.Equal("email", ChannelMapping.Default.Channel("email", "mailchimp", "https://www.google.com/"));
    }

    [Fact]
    public void A_workspace_can_replace_the_rules()
    {
        var mapping = new ChannelMapping([new ChannelRule("events", Source: ["expo"]), new ChannelRule("paid_search", Medium: ["cpc"])]);
        Assert.Equal("events", mapping.Channel("cpc", "expo", null));
        Assert.Equal("paid_search", mapping.Channel("cpc", "bing", null));
        Assert.Equal("referral", mapping.Channel(null, null, "https://www.google.com/"));
    }

    [Fact]
    public void Host_matching_is_by_whole_labels()
    {
        Assert.True(ChannelMapping.HostMatches("www.google.co.jp", "google"));
        Assert.False(ChannelMapping.HostMatches("notgoogle.com", "google"));
        Assert.True(ChannelMapping.HostMatches("t.co", "t.co"));
        Assert.False(ChannelMapping.HostMatches("bt.co", "t.co"));
    }
}

public class SessionsTests
{
    private static readonly DateTime T0 = new(2026, 3, 1, 9, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Hits_less_than_30_minutes_apart_are_one_visit_and_a_30_minute_gap_starts_another()
    {
        // 09:00, 09:29, 09:58 chain into one visit (each gap < 30 min); 10:28 is exactly 30 min after 09:58 → new visit;
        // 13:00 → a third. Out-of-order input must not matter.
        DateTime[] hits = [T0.AddMinutes(58), T0, T0.AddMinutes(29), T0.AddHours(4), T0.AddMinutes(88)];
        Assert.Equal([T0, T0.AddMinutes(88), T0.AddHours(4)], Sessions.Starts(hits));
    }

    [Fact]
    public void No_hits_no_visits()
    {
        Assert.Empty(Sessions.Starts([]));
    }
}
