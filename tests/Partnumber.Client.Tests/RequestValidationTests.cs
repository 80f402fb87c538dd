using Partnumber.Client.Tests.TestDoubles;

namespace Partnumber.Client.Tests;

/// <summary>Invalid requests fail before any network call, with a message that names the field.</summary>
public class RequestValidationTests
{
    [Fact]
    public async Task A_null_request_throws_ArgumentNullException_at_call_time()
    {
        await using var harness = new InMemoryClientHarness();

        Assert.Throws<ArgumentNullException>("request", () => harness.Client.ClassifyAsync(null!));
        await Assert.ThrowsAsync<ArgumentNullException>("request", () => harness.Client.ClassifyAndWaitAsync(null!));
        Assert.Equal(0, harness.Connector.ConnectAttempts);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t\n")]
    public async Task A_blank_partnumber_throws_ArgumentException_naming_Partnumber_without_touching_the_network(string? partnumber)
    {
        await using var harness = new InMemoryClientHarness();

        var streamError = Assert.Throws<ArgumentException>(() => harness.Client.ClassifyAsync(new ClassificationRequest(partnumber!)));
        var waitError = await Assert.ThrowsAsync<ArgumentException>(() => harness.Client.ClassifyAndWaitAsync(new ClassificationRequest(partnumber!)));

        Assert.Contains("Partnumber", streamError.Message);
        Assert.Equal("request.Partnumber", streamError.ParamName);
        Assert.Equal("request.Partnumber", waitError.ParamName);
        Assert.Equal(0, harness.Connector.ConnectAttempts);
        Assert.Empty(harness.Http.Requests);
    }
}
