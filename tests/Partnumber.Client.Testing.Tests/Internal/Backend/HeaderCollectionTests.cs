using Partnumber.Client.Testing.Internal.Backend;

namespace Partnumber.Client.Testing.Tests.Internal.Backend;

public sealed class HeaderCollectionTests
{
    private static readonly HeaderCollection Headers = new(
    [
        new("Host", "127.0.0.1:5000"),
        new("X-Api-Key", "first"),
        new("Content-Type", "application/json"),
        new("x-api-key", "last"),
    ]);

    [Fact]
    public void Names_are_case_insensitive_and_a_repeated_name_keeps_its_last_value_in_its_first_place()
    {
        Assert.Equal(3, Headers.Count);
        Assert.Equal("last", Headers["X-API-KEY"]);
        Assert.True(Headers.ContainsKey("content-type"));
        Assert.Equal(["Host", "x-api-key", "Content-Type"], Headers.Keys);
        Assert.Equal(["127.0.0.1:5000", "last", "application/json"], Headers.Values);
        Assert.Equal(new KeyValuePair<string, string>("Host", "127.0.0.1:5000"), Headers.First());
    }

    [Fact]
    public void A_header_that_was_not_sent_is_absent_and_named_when_indexed()
    {
        Assert.False(Headers.TryGetValue("Authorization", out var value));
        Assert.Null(value);
        var error = Assert.Throws<KeyNotFoundException>(() => Headers["Authorization"]);
        Assert.Contains("'Authorization'", error.Message);
    }
}
