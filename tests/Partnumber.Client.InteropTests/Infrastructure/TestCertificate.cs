using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Partnumber.Client.InteropTests.Infrastructure;

/// <summary>
/// A self-signed server certificate for 127.0.0.1/localhost, made at test time and written as PEM files for the peer.
/// Clients trust it by pinning its SHA-256 thumbprint: the application-supplied validation the SDK supports.
/// </summary>
public sealed class TestCertificate : IDisposable
{
    private TestCertificate(string directory, X509Certificate2 certificate)
    {
        Directory = directory;
        Certificate = certificate;
        Thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256);
    }

    public string Directory { get; }

    public string CertificatePath => Path.Combine(Directory, "cert.pem");

    public string KeyPath => Path.Combine(Directory, "key.pem");

    public X509Certificate2 Certificate { get; }

    public string Thumbprint { get; }

    public static TestCertificate Create()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));

        var directory = Path.Combine(Path.GetTempPath(), "pn-interop-tls-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var result = new TestCertificate(directory, certificate);
        File.WriteAllText(result.CertificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(result.KeyPath, rsa.ExportPkcs8PrivateKeyPem());
        return result;
    }

    /// <summary>True only for this certificate (pinned by thumbprint); name or chain errors are expected for a self-signed one.</summary>
    public bool IsTrusted(X509Certificate? presented) =>
        presented is not null
        && string.Equals(presented.GetCertHashString(HashAlgorithmName.SHA256), Thumbprint, StringComparison.OrdinalIgnoreCase);

    /// <summary>For <c>ClientWebSocketOptions.RemoteCertificateValidationCallback</c>.</summary>
    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) => IsTrusted(certificate);

    public void Dispose()
    {
        Certificate.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
