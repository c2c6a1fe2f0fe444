using System.Text;
using MimeKit;
using MimeKit.Text;

namespace Lifecycle.Email;

/// <summary>
/// The MIME form of an outbox message: UTF-8 text and HTML parts (multipart/alternative), the subject as RFC 2047
/// encoded words where it is not ASCII, a Message-ID made of the outbox id (so a retry is recognisably the same
/// message), and, for a message to a contact, List-Unsubscribe with one-click POST (RFC 8058). A message with
/// inline images (the report mail) sends its HTML in multipart/related with each image as a Content-ID part.
/// </summary>
public static class MessageMime
{
    public static MimeMessage Build(EmailMessage message, EmailOptions options, MessageLinks links, DateTimeOffset date)
    {
        var from = options.FromAddress!;
        var mime = new MimeMessage
        {
            Subject = message.Subject,
            MessageId = $"{message.Id}@{from[(from.IndexOf('@') + 1)..]}",
            Date = date,
        };
        mime.From.Add(new MailboxAddress(Encoding.UTF8, options.FromName ?? "", from));
        mime.To.Add(MailboxAddress.Parse(message.ToAddress));
        // A notice to a plain address (no contact) is no mailing to leave.
        if (message.ContactId is not null)
        {
            mime.Headers.Add("List-Unsubscribe", $"<{links.Unsubscribe(message.Id)}>");
            mime.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        }
        var text = new TextPart(TextFormat.Plain);
        text.SetText(Encoding.UTF8, message.Text);
        var html = new TextPart(TextFormat.Html);
        html.SetText(Encoding.UTF8, message.Html);
        mime.Body = new MultipartAlternative { text, message.InlineImages is { Count: > 0 } images ? Related(html, images) : html };
        return mime;
    }

    private static MultipartRelated Related(TextPart html, List<InlineImage> images)
    {
        var related = new MultipartRelated { html };
        foreach (var image in images)
        {
            related.Add(new MimePart("image", "png")
            {
                ContentId = image.ContentId, Content = new MimeContent(new MemoryStream(image.Png)),
                ContentDisposition = new ContentDisposition(ContentDisposition.Inline), ContentTransferEncoding = ContentEncoding.Base64,
            });
        }
        return related;
    }

    /// <summary>The outbox id inside a Message-ID header (&lt;id@domain&gt;), as ESPs echo it back.</summary>
    public static string? OutboxId(string? messageIdHeader)
    {
        if (string.IsNullOrWhiteSpace(messageIdHeader)) return null;
        var id = messageIdHeader.Trim().Trim('<', '>');
        var at = id.IndexOf('@');
        return at > 0 && id.StartsWith("msg_", StringComparison.Ordinal) ? id[..at] : null;
    }
}
