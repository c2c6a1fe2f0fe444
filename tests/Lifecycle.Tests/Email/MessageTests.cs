using System.Text;
using Lifecycle.Email;
using MailKit.Net.Smtp;
using MimeKit;

namespace Lifecycle.Tests.Email;

public class MessageTests
{
    private static readonly MessageLinks Links = new("https://mail.example.com/", "test-signing-key");
    private static readonly EmailOptions Options = new()
    {
        FromAddress = "news@example.com", FromName = "Lifecycle ニュース", PostalAddress = "1 Main St\nSpringfield", PublicBaseUrl = "https://mail.example.com",
        SigningKey = "test-signing-key",
    };

    private static EmailMessage Message(string subject) => new()
    {
        Id = "msg_1", ContactId = "c1", TemplateId = "t1", ToAddress = "hanako@example.jp", Language = "ja",
        Subject = subject, Html = "<p>本文</p>", Text = "本文",
    };

    private static (string Raw, MimeMessage Parsed) RoundTrip(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(stream);
        var raw = Encoding.UTF8.GetString(stream.ToArray()).Replace("\r\n", "\n");
        stream.Position = 0;
        return (raw, MimeMessage.Load(stream));
    }

    [Theory]
    [InlineData("ご登録ありがとうございます、花子様")]
    [InlineData("웨비나에 오신 것을 환영합니다")]
    public void A_CJK_subject_is_sent_as_RFC_2047_encoded_words_and_reads_back_the_same(string subject)
    {
        var (raw, parsed) = RoundTrip(MessageMime.Build(Message(subject), Options, Links, DateTimeOffset.UnixEpoch));
        var header = raw.Split('\n').First(line => line.StartsWith("Subject:"));
        Assert.Contains("=?utf-8?b?", header.ToLowerInvariant());
        // Every header byte is ASCII; the text lives only in the encoded words.
        Assert.True(raw[..raw.IndexOf("\n\n")].All(c => c < 128));
        Assert.Equal(subject, parsed.Subject);
    }

    [Fact]
    public void A_message_has_utf8_parts_list_unsubscribe_headers_and_its_outbox_id_as_message_id()
    {
        var (_, parsed) = RoundTrip(MessageMime.Build(Message("Hello"), Options, Links, DateTimeOffset.UnixEpoch));
        Assert.Equal("msg_1@example.com", parsed.MessageId);
        Assert.Equal("msg_1", MessageMime.OutboxId("<" + parsed.MessageId + ">"));
        Assert.Equal($"<{Links.Unsubscribe("msg_1")}>", parsed.Headers["List-Unsubscribe"]);
        Assert.Equal("List-Unsubscribe=One-Click", parsed.Headers["List-Unsubscribe-Post"]);
        Assert.Equal("Lifecycle ニュース", ((MailboxAddress)parsed.From[0]).Name);
        var alternative = Assert.IsType<MultipartAlternative>(parsed.Body);
        Assert.Equal(["text/plain", "text/html"], alternative.Select(p => p.ContentType.MimeType));
        Assert.All(alternative.OfType<TextPart>(), p => Assert.Equal("utf-8", p.ContentType.Charset));
        Assert.Equal("本文", parsed.TextBody);
    }

    [Fact]
    public void Inline_images_go_beside_the_HTML_in_multipart_related_under_their_content_id()
    {
        byte[] png = [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3];
        var message = Message("Report");
        message.Html = "<p><img src=\"cid:funnel@x\"></p>";
        message.InlineImages = [new InlineImage("funnel@x", png)];
        var (raw, parsed) = RoundTrip(MessageMime.Build(message, Options, Links, DateTimeOffset.UnixEpoch));

        var alternative = Assert.IsType<MultipartAlternative>(parsed.Body);
        Assert.Equal("text/plain", alternative[0].ContentType.MimeType);
        var related = Assert.IsType<MultipartRelated>(alternative[1]);
        Assert.Equal(["text/html", "image/png"], related.Select(p => p.ContentType.MimeType));
        Assert.Contains("Content-Id: <funnel@x>", raw, StringComparison.OrdinalIgnoreCase);
        var image = (MimePart)related[1];
        Assert.Equal(("funnel@x", ContentEncoding.Base64), (image.ContentId, image.ContentTransferEncoding));
        Assert.Equal(ContentDisposition.Inline, image.ContentDisposition!.Disposition);
        using var decoded = new MemoryStream();
        image.Content!.DecodeTo(decoded);
        Assert.Equal(png, decoded.ToArray());
        Assert.Equal("<p><img src=\"cid:funnel@x\"></p>", parsed.HtmlBody);
    }

    [Fact]
    public void Composing_replaces_each_distinct_link_by_a_signed_redirect_and_adds_footer_and_pixel()
    {
        var parts = new RenderedParts("en", "s",
            """<html><body><a href="https://example.com/a?x=1&amp;y=2">A</a> <a href='https://example.com/b'>B</a> <a href="https://example.com/a?x=1&amp;y=2">A again</a> <a href="mailto:x@y.z">mail</a></body></html>""",
            "See https://example.com/b. And https://example.com/c");
        var composed = MessageComposer.Compose("msg_1", parts, Links, "1 Main St\nSpringfield");

        // a (html, twice) = 0, b (html and text) = 1, c (text only) = 2; the ampersand is decoded before storing.
        Assert.Equal(["https://example.com/a?x=1&y=2", "https://example.com/b", "https://example.com/c"], composed.Links);
        Assert.DoesNotContain("https://example.com/", composed.Html);
        Assert.Contains("mailto:x@y.z", composed.Html);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(composed.Html, "/email/c/msg_1/0\\?sig=").Count);
        Assert.Contains($"See {Links.Click("msg_1", 1)}. And {Links.Click("msg_1", 2)}", composed.Text);
        Assert.Contains("1 Main St<br>Springfield", composed.Html);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(Links.Open("msg_1")), composed.Html);
        Assert.True(composed.Html.IndexOf("Springfield") < composed.Html.IndexOf("</body>"));
        Assert.EndsWith($"1 Main St\nSpringfield\nUnsubscribe: {Links.Unsubscribe("msg_1")}\n", composed.Text);
    }

    [Fact]
    public void A_signature_holds_only_for_its_message_and_purpose()
    {
        var sig = Links.Sign("msg_1", "click:0");
        Assert.True(Links.Verify("msg_1", "click:0", sig));
        Assert.False(Links.Verify("msg_1", "click:1", sig));
        Assert.False(Links.Verify("msg_2", "click:0", sig));
        Assert.False(Links.Verify("msg_1", "click:0", sig[..^1] + (sig[^1] == 'A' ? 'B' : 'A')));
        Assert.False(new MessageLinks("https://mail.example.com", "another-key").Verify("msg_1", "click:0", sig));
        Assert.False(Links.Verify("msg_1", "click:0", null));
    }

    [Theory]
    [InlineData(550, SmtpErrorCode.RecipientNotAccepted, SendResult.HardBounce)]
    [InlineData(553, SmtpErrorCode.SenderNotAccepted, SendResult.Rejected)]
    [InlineData(554, SmtpErrorCode.MessageNotAccepted, SendResult.Rejected)]
    [InlineData(450, SmtpErrorCode.RecipientNotAccepted, SendResult.Temporary)]
    [InlineData(421, SmtpErrorCode.MessageNotAccepted, SendResult.Temporary)]
    public void SMTP_answers_5xx_are_permanent_and_4xx_temporary(int code, SmtpErrorCode error, SendResult expected)
    {
        var outcome = SendOutcome.FromCommandError(code, error, "mailbox unavailable");
        Assert.Equal(expected, outcome.Result);
        Assert.Equal($"{code} mailbox unavailable", outcome.Answer);
    }
}
