using System.Text.Json;
using Lifecycle.Email;

namespace Lifecycle.Tests.Email;

/// <summary>Payloads in the shapes the providers document (trimmed to the fields that matter).</summary>
public class EspWebhookTests
{
    public const string SendGrid = """
        [
          {"email":"a@example.com","timestamp":1700000000,"event":"bounce","type":"bounce","reason":"550 5.1.1 unknown user","status":"5.1.1","smtp-id":"<msg_1@example.com>","sg_event_id":"e1"},
          {"email":"b@example.com","timestamp":1700000000,"event":"bounce","type":"blocked","reason":"421 try later","smtp-id":"<msg_2@example.com>"},
          {"email":"c@example.com","timestamp":1700000000,"event":"spamreport","smtp-id":"<msg_3@example.com>"},
          {"email":"d@example.com","timestamp":1700000000,"event":"group_unsubscribe","asm_group_id":1},
          {"email":"e@example.com","timestamp":1700000000,"event":"open"}
        ]
        """;

    public const string Mailgun = """
        {"signature":{"timestamp":"1700000000","token":"t","signature":"s"},
         "event-data":{"event":"failed","severity":"permanent","recipient":"a@example.com","reason":"bounce",
           "delivery-status":{"code":550,"message":"5.1.1 The email account does not exist","description":""},
           "message":{"headers":{"message-id":"msg_1@example.com","to":"a@example.com"}}}}
        """;

    public static string SesBounce(string email, string messageId) => JsonSerializer.Serialize(new
    {
        Type = "Notification", MessageId = "sns-1", TopicArn = "arn:aws:sns:eu-west-1:1:ses",
        Message = JsonSerializer.Serialize(new
        {
            notificationType = "Bounce",
            bounce = new { bounceType = "Permanent", bounceSubType = "General", bouncedRecipients = new[] { new { emailAddress = email, diagnosticCode = "smtp; 550 5.1.1 user unknown" } } },
            mail = new { messageId = "ses-id", commonHeaders = new { messageId = $"<{messageId}@example.com>" } },
        }),
    });

    private static List<EspEvent> Read(string provider, string json) => EspWebhooks.Read(provider, JsonDocument.Parse(json).RootElement);

    [Fact]
    public void SendGrid_events_map_to_bounces_complaints_and_unsubscribes()
    {
        var events = Read("sendgrid", SendGrid);
        Assert.Equal(
            [
                (EspEventKind.Bounce, "a@example.com", true, "<msg_1@example.com>"),
                (EspEventKind.Bounce, "b@example.com", false, "<msg_2@example.com>"),
                (EspEventKind.Complaint, "c@example.com", true, "<msg_3@example.com>"),
                (EspEventKind.Unsubscribe, "d@example.com", true, null),
            ],
            events.Select(e => (e.Kind, e.Email, e.Permanent, e.MessageIdHeader)));
        Assert.Equal("550 5.1.1 unknown user", events[0].Reason);
    }

    [Fact]
    public void Mailgun_failed_permanent_is_a_hard_bounce_with_the_delivery_message()
    {
        var bounce = Assert.Single(Read("mailgun", Mailgun));
        Assert.Equal((EspEventKind.Bounce, "a@example.com", true), (bounce.Kind, bounce.Email, bounce.Permanent));
        Assert.Equal("5.1.1 The email account does not exist", bounce.Reason);
        Assert.Equal("msg_1", MessageMime.OutboxId(bounce.MessageIdHeader));
        var complaint = Assert.Single(Read("mailgun", """{"event-data":{"event":"complained","recipient":"x@example.com"}}"""));
        Assert.Equal(EspEventKind.Complaint, complaint.Kind);
        var soft = Assert.Single(Read("mailgun", """{"event-data":{"event":"failed","severity":"temporary","recipient":"x@example.com"}}"""));
        Assert.False(soft.Permanent);
    }

    [Fact]
    public void SES_notifications_are_read_inside_the_SNS_envelope_or_raw()
    {
        var bounce = Assert.Single(Read("ses", SesBounce("a@example.com", "msg_9")));
        Assert.Equal((EspEventKind.Bounce, "a@example.com", true, "smtp; 550 5.1.1 user unknown"), (bounce.Kind, bounce.Email, bounce.Permanent, bounce.Reason));
        Assert.Equal("msg_9", MessageMime.OutboxId(bounce.MessageIdHeader));

        var complaints = Read("ses", """
            {"eventType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"b@example.com"},{"emailAddress":"c@example.com"}],"complaintFeedbackType":"abuse"},
             "mail":{"headers":[{"name":"Message-ID","value":"<msg_3@example.com>"}]}}
            """);
        Assert.Equal(["b@example.com", "c@example.com"], complaints.Select(c => c.Email));
        Assert.All(complaints, c => Assert.Equal((EspEventKind.Complaint, "<msg_3@example.com>", "abuse"), (c.Kind, c.MessageIdHeader, c.Reason)));

        Assert.Empty(Read("ses", """{"Type":"SubscriptionConfirmation","SubscribeURL":"https://sns.example/confirm"}"""));
    }

    [Fact]
    public void A_payload_of_the_wrong_shape_is_refused()
    {
        Assert.Throws<FormatException>(() => Read("sendgrid", "{}"));
        Assert.Throws<FormatException>(() => Read("mailgun", "[]"));
        Assert.Throws<FormatException>(() => Read("postmark", "{}"));
    }
}
