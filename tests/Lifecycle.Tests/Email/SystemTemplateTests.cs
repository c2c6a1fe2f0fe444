using Lifecycle.Capture;
using Lifecycle.Contacts;
using Lifecycle.Email;
using Lifecycle.Pipeline;

namespace Lifecycle.Tests.Email;

/// <summary>The built-in system e-mails render in each language with their signed links; survey tokens cannot be forged.</summary>
public class SystemTemplateTests
{
    private static Recipient To(string language, string key, string url) => new(
        new Contact { Id = "c1", Email = "a@example.com", FirstName = "Ana", LastName = "Sato", Custom = new() { ["language"] = language } }, null)
    {
        Values = new Dictionary<string, object?> { [key] = url },
    };

    [Theory]
    [InlineData("en", "Please confirm your subscription", "Confirm: https://lc.example/f/confirm/cnf_1?sig=abc")]
    [InlineData("ja", "購読の確認をお願いします", "確認する: https://lc.example/f/confirm/cnf_1?sig=abc")]
    [InlineData("ko", "구독을 확인해 주세요", "확인하기: https://lc.example/f/confirm/cnf_1?sig=abc")]
    [InlineData("es", "Confirme su suscripción", "Confirmar: https://lc.example/f/confirm/cnf_1?sig=abc")]
    public void The_double_opt_in_request_carries_the_confirm_link_in_each_language(string language, string subject, string line)
    {
        var parts = TemplateRenderer.Render(CaptureEmails.ConfirmationTemplate, To(language, "confirm_url", "https://lc.example/f/confirm/cnf_1?sig=abc"), "");
        Assert.Equal((language, subject), (parts.Language, parts.Subject));
        Assert.Contains(line, parts.Text);
        Assert.Contains("""href="https://lc.example/f/confirm/cnf_1?sig=abc">""", parts.Html);
    }

    [Theory]
    [InlineData("en")]
    [InlineData("ja")]
    [InlineData("ko")]
    [InlineData("es")]
    public void The_survey_has_eleven_one_click_answers_in_each_language(string language)
    {
        var parts = TemplateRenderer.Render(PipelineEmails.SurveyTemplate, To(language, "survey_url", "https://lc.example/nps/t"), "");
        Assert.Equal(language, parts.Language);
        for (var score = 0; score <= 10; score++)
        {
            Assert.Contains($"\n{score}: https://lc.example/nps/t/{score}\n", parts.Text);
            Assert.Contains($"""href="https://lc.example/nps/t/{score}" """.TrimEnd(), parts.Html);
        }
        Assert.DoesNotContain("https://lc.example/nps/t/11", parts.Text);
    }

    [Fact]
    public void A_survey_token_names_its_survey_and_contact_and_any_change_or_another_key_is_refused()
    {
        var tokens = new SurveyTokens("key-one");
        var token = tokens.Token("nps_1", "c/ü 1");
        Assert.Equal(("nps_1", "c/ü 1"), tokens.Read(token));
        Assert.Null(new SurveyTokens("key-two").Read(token));
        var forContact2 = tokens.Token("nps_1", "c2");
        Assert.Null(tokens.Read(token.Split('.')[0] + "." + forContact2.Split('.')[1] + "." + token.Split('.')[2])); // another contact, same signature
        Assert.Null(tokens.Read("nps_2." + token.Split('.', 2)[1])); // another survey
        Assert.Null(tokens.Read("garbage"));
        Assert.Null(tokens.Read("nps_1.!!!.x"));
    }
}
