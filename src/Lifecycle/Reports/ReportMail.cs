using System.Text;
using Lifecycle.Email;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using MimeKit;
using MimeKit.Text;

namespace Lifecycle.Reports;

/// <summary>
/// Lifecycle:Reports settings: the team's addresses that get warnings (WarningRecipients) and the monthly report
/// (MonthlyRecipients), each a comma-separated list or an array; whether this process runs the reports worker
/// (Worker, default true) and how often it checks (CheckInterval, default 1 hour).
/// </summary>
public sealed record ReportOptions(IReadOnlyList<string> WarningRecipients, IReadOnlyList<string> MonthlyRecipients, bool Worker, TimeSpan CheckInterval)
{
    public static ReportOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection("Lifecycle:Reports");
        IReadOnlyList<string> List(string name) =>
            (section[name] is { Length: > 0 } text ? text.Split(',') : section.GetSection(name).Get<string[]>() ?? [])
            .Select(a => a.Trim()).Where(a => a.Length > 0).ToList();
        return new ReportOptions(List("WarningRecipients"), List("MonthlyRecipients"),
            !bool.TryParse(section["Worker"], out var worker) || worker,
            TimeSpan.TryParse(section["CheckInterval"], System.Globalization.CultureInfo.InvariantCulture, out var interval) && interval > TimeSpan.Zero
                ? interval : TimeSpan.FromHours(1));
    }
}

/// <summary>
/// Internal mail to the team (warnings, the monthly report) over the same SMTP settings and pool as marketing
/// e-mail (Lifecycle:Email SmtpHost, FromAddress). These are not marketing messages: no tracking links, no
/// unsubscribe, no suppression list; the recipients are configured by the admin.
/// </summary>
public sealed class ReportMail(EmailOptions options, ILogger log)
{
    public bool CanSend => !string.IsNullOrWhiteSpace(options.SmtpHost) && !string.IsNullOrWhiteSpace(options.FromAddress);

    /// <param name="kind">What the message is (target-warning.nurture.mqls.2026-01): the Message-ID starts with it and
    /// ends with a unique part, as a Message-ID must be unique everywhere.</param>
    /// <returns>Whether the SMTP server accepted the message for every recipient, and its answer.</returns>
    public async Task<(bool Accepted, string Answer)> SendAsync(string kind, IReadOnlyList<string> to, string subject, string html, string text, DateTimeOffset date)
    {
        var from = options.FromAddress!;
        var mime = new MimeMessage { Subject = subject, MessageId = $"{kind}.{Guid.NewGuid():N}@{from[(from.IndexOf('@') + 1)..]}", Date = date };
        mime.From.Add(new MailboxAddress(Encoding.UTF8, options.FromName ?? "", from));
        foreach (var address in to) mime.To.Add(MailboxAddress.Parse(address));
        var textPart = new TextPart(TextFormat.Plain);
        textPart.SetText(Encoding.UTF8, text);
        var htmlPart = new TextPart(TextFormat.Html);
        htmlPart.SetText(Encoding.UTF8, html);
        mime.Body = new MultipartAlternative { textPart, htmlPart };
        await using var pool = new SmtpPool(new EmailOptions
        {
            SmtpHost = options.SmtpHost, SmtpPort = options.SmtpPort, SmtpUser = options.SmtpUser, SmtpPassword = options.SmtpPassword,
            SmtpSecurity = options.SmtpSecurity, Connections = 1, RatePerSecond = options.RatePerSecond,
        }, log);
        var outcome = (await pool.SendAsync([mime], m => m))[0];
        return (outcome.Result == SendResult.Accepted, outcome.Answer.Length > 1000 ? outcome.Answer[..1000] : outcome.Answer);
    }
}
