using System.Diagnostics;
using Partnumber.Client.InteropTests.Infrastructure;
using Xunit.Abstractions;

namespace Partnumber.Client.InteropTests.Scenarios;

/// <summary>
/// Flask-SocketIO under eventlet serving https and wss with a self-signed certificate made at test time. The SDK
/// trusts it only through application-supplied validation: an HttpClient whose handler pins the certificate
/// (ServerCertificateCustomValidationCallback) and ConfigureWebSocket setting RemoteCertificateValidationCallback.
/// Every scenario of <see cref="InteropScenarios{TFixture}"/> runs over TLS.
/// </summary>
public sealed class TlsScenarios(TlsFixture fixture, ITestOutputHelper output)
    : InteropScenarios<TlsFixture>(fixture, output)
{
    [SkippableFact]
    public Task Without_application_certificate_validation_the_self_signed_server_is_refused() => RunAsync(async s =>
    {
        var pn = NewPartnumber("untrusted");
        var connectTimeout = TimeSpan.FromSeconds(5);
        await using var tc = s.CreateClient(o => o.ConnectTimeout = connectTimeout, trustCertificate: false);
        var clock = Stopwatch.StartNew();

        var error = await Record.ExceptionAsync(() => tc.Client.ClassifyAndWaitAsync(new ClassificationRequest(pn)));

        s.Note($"untrusted certificate: {error?.GetType().Name}: {error?.Message} (inner: {error?.InnerException?.Message})");
        Assert.IsType<PartnumberConnectionException>(error);
        Assert.True(clock.Elapsed < connectTimeout + TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
        Assert.Empty(await s.Deployment.ReceivedRequestsAsync(pn));
    });
}
