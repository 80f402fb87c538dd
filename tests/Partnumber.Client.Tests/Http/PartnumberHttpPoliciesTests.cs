using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Time.Testing;

using Partnumber.Client.Internal.Http;
using Partnumber.Client.Tests.TestDoubles;

namespace Partnumber.Client.Tests.Http;

/// <summary>
/// The default retries (the public Polly policy, and the SDK's loop without Polly) retry only what cannot have started
/// work, waiting on the TimeProvider.
/// </summary>
public class PartnumberHttpPoliciesTests
{
    [Theory]
    [InlineData("policy")]
    [InlineData("loop")]
    public async Task A_503_with_Retry_After_is_retried_after_exactly_that_wait(string retry)
    {
        var time = new ObservableFakeTime();
        var server = new ScriptedHandler(
            () => Respond(HttpStatusCode.ServiceUnavailable, retryAfterSeconds: 5),
            () => Respond(HttpStatusCode.Accepted));
        using var client = CreateClient(retry, server, time);

        var sending = client.PostAsync("http://backend.test/classify-partnumber", new StringContent("{}"));
        await server.NextCallAsync();
        Assert.Equal(TimeSpan.FromSeconds(5), await time.NextTimerAsync());
        time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Equal(1, server.Calls);
        time.Advance(TimeSpan.FromSeconds(0.1));
        await server.NextCallAsync();

        Assert.Equal(HttpStatusCode.Accepted, (await sending).StatusCode);
        Assert.Equal(2, server.Calls);
    }

    [Theory]
    [InlineData("policy")]
    [InlineData("loop")]
    public async Task A_Retry_After_date_is_measured_from_the_TimeProviders_now(string retry)
    {
        var time = new ObservableFakeTime(); // its clock reads 2000-01-01: the machine's clock would see a date long past
        var server = new ScriptedHandler(
            () => Respond(HttpStatusCode.ServiceUnavailable, retryAfterDate: time.GetUtcNow().AddSeconds(7)),
            () => Respond(HttpStatusCode.Accepted));
        using var client = CreateClient(retry, server, time);

        var sending = client.PostAsync("http://backend.test/classify-partnumber", new StringContent("{}"));
        await server.NextCallAsync();
        Assert.Equal(TimeSpan.FromSeconds(7), await time.NextTimerAsync());
        time.Advance(TimeSpan.FromSeconds(7));
        await server.NextCallAsync();

        Assert.Equal(HttpStatusCode.Accepted, (await sending).StatusCode);
        Assert.Equal(2, server.Calls);
    }

    [Theory]
    [InlineData("policy")]
    [InlineData("loop")]
    public async Task A_Retry_After_date_beyond_the_cap_by_the_TimeProviders_clock_is_surfaced(string retry)
    {
        var time = new FakeTimeProvider();
        var server = new ScriptedHandler(
            () => Respond(HttpStatusCode.ServiceUnavailable, retryAfterDate: time.GetUtcNow().AddHours(1)),
            () => Respond(HttpStatusCode.Accepted));
        using var client = CreateClient(retry, server, time);

        var response = await client.PostAsync("http://backend.test/x", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, server.Calls);
    }

    [Theory]
    [InlineData("policy")]
    [InlineData("loop")]
    public async Task A_429_without_Retry_After_is_retried_with_backoff(string retry)
    {
        var time = new ObservableFakeTime();
        var server = new ScriptedHandler(() => Respond((HttpStatusCode)429), () => Respond(HttpStatusCode.Accepted));
        using var client = CreateClient(retry, server, time);

        var sending = client.PostAsync("http://backend.test/x", new StringContent("{}"));
        await server.NextCallAsync();
        var wait = await time.NextTimerAsync();
        Assert.InRange(wait.TotalMilliseconds, 160, 240);
        time.Advance(TimeSpan.FromMilliseconds(240)); // first backoff is 200 ms ± 20 %
        await server.NextCallAsync();

        Assert.Equal(HttpStatusCode.Accepted, (await sending).StatusCode);
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, "policy")]
    [InlineData(HttpStatusCode.InternalServerError, "loop")]
    [InlineData(HttpStatusCode.BadGateway, "policy")]
    [InlineData(HttpStatusCode.BadGateway, "loop")]
    [InlineData(HttpStatusCode.GatewayTimeout, "policy")]
    [InlineData(HttpStatusCode.GatewayTimeout, "loop")]
    [InlineData(HttpStatusCode.BadRequest, "policy")]
    [InlineData(HttpStatusCode.BadRequest, "loop")]
    [InlineData(HttpStatusCode.UnprocessableEntity, "policy")]
    [InlineData(HttpStatusCode.UnprocessableEntity, "loop")]
    public async Task Answers_that_may_follow_started_work_are_never_retried(HttpStatusCode status, string retry)
    {
        var server = new ScriptedHandler(() => Respond(status), () => Respond(HttpStatusCode.Accepted));
        using var client = CreateClient(retry, server, new FakeTimeProvider());

        var response = await client.PostAsync("http://backend.test/x", new StringContent("{}"));

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(1, server.Calls);
    }

    [Theory]
    [InlineData("policy")]
    [InlineData("loop")]
    public async Task A_Retry_After_longer_than_the_cap_is_surfaced_instead_of_waited_for(string retry)
    {
        var server = new ScriptedHandler(() => Respond(HttpStatusCode.ServiceUnavailable, retryAfterSeconds: 3600));
        using var client = CreateClient(retry, server, new FakeTimeProvider());

        var response = await client.PostAsync("http://backend.test/x", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, server.Calls);
    }

    [Theory]
    [InlineData("policy")]
    [InlineData("loop")]
    public async Task Retries_are_bounded(string retry)
    {
        var server = new ScriptedHandler(Enumerable.Repeat<Func<HttpResponseMessage>>(() => Respond(HttpStatusCode.ServiceUnavailable, retryAfterSeconds: 0), 10).ToArray());
        using var client = CreateClient(retry, server, new FakeTimeProvider(), maxRetries: 2);

        var response = await client.PostAsync("http://backend.test/x", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(3, server.Calls);
    }

    [Theory]
    [InlineData("policy")]
    [InlineData("loop")]
    public async Task A_refused_connection_is_retried_but_a_reset_after_sending_is_not(string retry)
    {
        var refused = new ScriptedHandler(
            () => throw new HttpRequestException("refused", new SocketException((int)SocketError.ConnectionRefused)),
            () => Respond(HttpStatusCode.Accepted));
        var time = new ObservableFakeTime();
        using (var client = CreateClient(retry, refused, time))
        {
            var sending = client.PostAsync("http://backend.test/x", new StringContent("{}"));
            await refused.NextCallAsync();
            await time.NextTimerAsync();
            time.Advance(TimeSpan.FromMilliseconds(240));
            Assert.Equal(HttpStatusCode.Accepted, (await sending).StatusCode);
        }

        var reset = new ScriptedHandler(
            () => throw new HttpRequestException("reset", new SocketException((int)SocketError.ConnectionReset)),
            () => Respond(HttpStatusCode.Accepted));
        using (var client = CreateClient(retry, reset, new FakeTimeProvider()))
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => client.PostAsync("http://backend.test/x", new StringContent("{}")));
            Assert.Equal(1, reset.Calls);
        }
    }

    [Fact]
    public void A_negative_retry_count_is_rejected()
        => Assert.Throws<ArgumentOutOfRangeException>("maxRetries", () => PartnumberHttpPolicies.SafeRetry(-1));

    /// <summary>
    /// An HttpClient retrying the way <paramref name="retry"/> names: <c>policy</c>, the public Polly policy in a
    /// pipeline, or <c>loop</c>, the SDK's default without Polly; every test holds both to the same behaviour.
    /// </summary>
    private static HttpClient CreateClient(string retry, HttpMessageHandler inner, TimeProvider time, int maxRetries = 3) => retry switch
    {
        "policy" => new(new PolicyHttpMessageHandler(PartnumberHttpPolicies.SafeRetry(maxRetries, time)) { InnerHandler = inner }),
        "loop" => new(new LoopHandler(new SafeRetryLoop(maxRetries, time)) { InnerHandler = inner }),
        _ => throw new ArgumentOutOfRangeException(nameof(retry), retry, null),
    };

    /// <summary>Sends through <see cref="SafeRetryLoop"/>, as <c>ClassificationApi</c> does.</summary>
    private sealed class LoopHandler(SafeRetryLoop loop) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            => loop.SendAsync(token => base.SendAsync(request, token), cancellationToken);
    }

    private static HttpResponseMessage Respond(HttpStatusCode status, int? retryAfterSeconds = null, DateTimeOffset? retryAfterDate = null)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent("""{"room_id":"r"}""") };
        if (retryAfterSeconds is { } seconds)
        {
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(seconds));
        }

        if (retryAfterDate is { } date)
        {
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(date);
        }

        return response;
    }

    /// <summary>Answers call N with the N-th responder and lets the test await each call.</summary>
    private sealed class ScriptedHandler(params Func<HttpResponseMessage>[] responders) : HttpMessageHandler
    {
        private readonly Channel<int> _calls = Channel.CreateUnbounded<int>();
        private int _count;

        public int Calls => Volatile.Read(ref _count);

        public async Task NextCallAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _calls.Reader.ReadAsync(timeout.Token);
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var index = Interlocked.Increment(ref _count) - 1;
            try
            {
                return Task.FromResult(responders[Math.Min(index, responders.Length - 1)]());
            }
            finally
            {
                _calls.Writer.TryWrite(index);
            }
        }
    }
}
