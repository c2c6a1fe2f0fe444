using System.Text.Json;
using Lifecycle.Tracking;

namespace Lifecycle.Tests.Tracking;

public class SegmentMessageTests
{
    private static readonly DateTime Received = new(2026, 5, 10, 12, 0, 0, DateTimeKind.Utc);

    private static (SegmentMessage? Message, List<MessageError> Errors) Read(string json, string? routeType = null, DateTime? batchSentAt = null)
    {
        using var document = JsonDocument.Parse(json);
        return SegmentMessages.Read(document.RootElement.Clone(), routeType, Received, batchSentAt, () => "generated-id");
    }

    [Fact]
    public void Original_timestamp_is_corrected_for_client_clock_skew()
    {
        // The client's clock runs 10 minutes fast: it says it sent at 12:10 an event that happened at 12:05.
        // Segment: timestamp = receivedAt − (sentAt − originalTimestamp) = 12:00 − 5 min = 11:55.
        var (message, errors) = Read("""{"userId":"c1","event":"Demo Requested","originalTimestamp":"2026-05-10T12:05:00Z","sentAt":"2026-05-10T12:10:00Z"}""", "track");
        Assert.Empty(errors);
        Assert.Equal(new DateTime(2026, 5, 10, 11, 55, 0, DateTimeKind.Utc), message!.Timestamp);
    }

    [Fact]
    public void Batch_sentAt_applies_when_the_message_has_none_and_an_explicit_timestamp_is_kept_as_given()
    {
        var batchSentAt = new DateTime(2026, 5, 10, 12, 1, 0, DateTimeKind.Utc);
        var (skewed, _) = Read("""{"type":"page","anonymousId":"a1","originalTimestamp":"2026-05-10T12:00:30Z"}""", batchSentAt: batchSentAt);
        Assert.Equal(Received.AddSeconds(-30), skewed!.Timestamp);
        var (explicitOne, _) = Read("""{"type":"page","anonymousId":"a1","timestamp":"2026-05-10T09:00:00+09:00","sentAt":"2026-05-10T12:10:00Z"}""", batchSentAt: batchSentAt);
        Assert.Equal(new DateTime(2026, 5, 10, 0, 0, 0, DateTimeKind.Utc), explicitOne!.Timestamp);
    }

    [Fact]
    public void Without_any_timestamp_the_receive_instant_is_used_and_the_stored_payload_settles_the_fields()
    {
        var (message, _) = Read("""{"userId":42,"event":"Trial Started","properties":{"plan":"プロ"},"writeKey":"secret"}""", "track");
        Assert.Equal(Received, message!.Timestamp);
        Assert.Equal("42", message.UserId);
        Assert.Equal("generated-id", message.MessageId);
        using var stored = JsonDocument.Parse(message.Payload);
        Assert.Equal("track", stored.RootElement.GetProperty("type").GetString());
        Assert.Equal("2026-05-10T12:00:00.000Z", stored.RootElement.GetProperty("timestamp").GetString());
        Assert.Equal("プロ", stored.RootElement.GetProperty("properties").GetProperty("plan").GetString());
        Assert.False(stored.RootElement.TryGetProperty("writeKey", out _));
        Assert.Contains("プロ", message.Payload); // UTF-8, not \u escapes
    }

    [Theory]
    [InlineData("""{"event":"X"}""", "track", "userId")]
    [InlineData("""{"userId":"c1"}""", "track", "event")]
    [InlineData("""{"userId":"c1","event":""}""", "track", "event")]
    [InlineData("""{"userId":{"a":1},"event":"X"}""", "track", "userId")]
    [InlineData("""{"userId":"c1","event":"X","properties":[1]}""", "track", "properties")]
    [InlineData("""{"userId":"c1","event":"X","timestamp":"yesterday"}""", "track", "timestamp")]
    [InlineData("""{"userId":"c1"}""", "group", "groupId")]
    [InlineData("""{"userId":"c1"}""", "alias", "previousId")]
    [InlineData("""{"type":"explode","userId":"c1"}""", null, "type")]
    [InlineData("""{"userId":"c1"}""", null, "type")]
    [InlineData("""{"type":"page","userId":"c1"}""", "track", "type")]
    public void Invalid_messages_name_the_field(string json, string? routeType, string field)
    {
        var (message, errors) = Read(json, routeType);
        Assert.Null(message);
        Assert.Contains(errors, e => e.Field == field);
    }

    [Fact]
    public void A_message_that_is_not_an_object_is_refused()
    {
        var (message, errors) = Read("[1,2]", "track");
        Assert.Null(message);
        Assert.Equal("message", Assert.Single(errors).Field);
    }

    [Theory]
    [InlineData("2026-05-12T12:00:01Z", TimestampFlag.Future)]
    [InlineData("2026-05-11T11:59:59Z", TimestampFlag.None)]
    [InlineData("1999-12-31T00:00:00Z", TimestampFlag.TooOld)]
    public void Far_future_and_absurdly_old_events_are_kept_but_flagged(string timestamp, TimestampFlag flag)
    {
        var (message, errors) = Read($$"""{"userId":"c1","event":"X","timestamp":"{{timestamp}}"}""", "track");
        Assert.Empty(errors);
        Assert.Equal(flag, message!.Flag);
    }

    [Fact]
    public void Page_and_track_get_their_event_names()
    {
        Assert.Equal("Page Viewed", Read("""{"anonymousId":"a"}""", "page").Message!.Name);
        Assert.Equal("Form Submitted", Read("""{"anonymousId":"a","event":"Form Submitted"}""", "track").Message!.Name);
        Assert.Null(Read("""{"userId":"c1","traits":{"email":"a@b.co"}}""", "identify").Message!.Name);
    }
}
