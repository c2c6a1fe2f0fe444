using Lifecycle.Contacts;
using Lifecycle.Email;

namespace Lifecycle.Tests.Email;

public class TemplateRendererTests
{
    private static readonly EmailTemplate Welcome = new()
    {
        Id = "welcome", Name = "Welcome", DefaultLanguage = "en",
        Variants =
        [
            new("en", "Welcome, {{ contact.first_name | default: \"there\" }}", "<p>Hi {{ contact.first_name | default: \"there\" }} of {{ account.name | default: \"your team\" }}</p>", "Hi {{ contact.name }}"),
            new("ja", "{{ contact.last_name | default: \"お客\" }}様、ようこそ", "<p>{{ contact.last_name }}様 {{ account.name }}</p>", "{{ contact.last_name }}様"),
            new("pt", "Bem-vindo", "<p>Olá</p>", "Olá"),
            new("es-MX", "Bienvenido (MX)", "<p>Hola</p>", "Hola"),
        ],
    };

    private static Contact Person(string? language, string? first = "Ana") => new()
    {
        Id = "c1", Email = "ana@example.com", FirstName = first, LastName = "<Sato>",
        Custom = language is null ? [] : new() { ["language"] = language },
    };

    [Theory]
    [InlineData("ja", "ja")]        // exact
    [InlineData("JA_jp", "ja")]     // region variant falls back to its primary language
    [InlineData("pt-BR", "pt")]
    [InlineData("es-mx", "es-MX")]  // exact match wins, case and separator aside
    [InlineData("es", "en")]        // only es-MX exists: a general Spanish contact gets the default
    [InlineData("de", "en")]        // no variant: the template's default
    [InlineData(null, "en")]
    public void A_contact_gets_the_variant_of_its_language_else_the_default(string? language, string expected) =>
        Assert.Equal(expected, TemplateRenderer.ChooseVariant(Welcome, language).Language);

    [Fact]
    public void Fields_render_with_fallbacks_and_html_encoding_in_the_html_part_only()
    {
        var parts = TemplateRenderer.Render(Welcome, new Recipient(Person("en", first: null), null), "https://x/u");
        Assert.Equal("Welcome, there", parts.Subject);
        Assert.Equal("<p>Hi there of your team</p>", parts.Html);

        var ja = TemplateRenderer.Render(Welcome, new Recipient(Person("ja"), new Account { Id = "a", Name = "株式会社" }), "https://x/u");
        Assert.Equal("ja", ja.Language);
        Assert.Equal("<Sato>様、ようこそ", ja.Subject);
        Assert.Equal("<p>&lt;Sato&gt;様 株式会社</p>", ja.Html); // markup escaped, CJK text kept as is
        Assert.Equal("<Sato>様", ja.Text);
    }

    [Fact]
    public void A_preview_can_ask_for_another_variant() =>
        Assert.Equal("Bem-vindo", TemplateRenderer.Render(Welcome, new Recipient(Person("ja"), null), "#", "pt").Subject);
}
