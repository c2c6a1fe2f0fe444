using Lifecycle.Email;
using Microsoft.Extensions.Configuration;

namespace Lifecycle.Tests.Email;

public class SigningKeyTests
{
    private static IConfiguration Settings(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public void One_setting_signs_every_link_and_the_former_email_setting_is_only_a_fallback()
    {
        Assert.Equal("one", EmailOptions.ConfiguredSigningKey(Settings(("Lifecycle:SigningKey", "one"), ("Lifecycle:Email:SigningKey", "old"))));
        Assert.Equal("old", EmailOptions.ConfiguredSigningKey(Settings(("Lifecycle:Email:SigningKey", "old"))));
        Assert.Null(EmailOptions.ConfiguredSigningKey(Settings()));
    }

    [Fact]
    public void A_missing_key_is_named_by_its_one_setting()
    {
        var options = new EmailOptions { FromAddress = "a@b.example", PostalAddress = "x", PublicBaseUrl = "http://127.0.0.1:1" };
        Assert.Equal(["Lifecycle:SigningKey"], options.MissingForComposing());
    }
}
