namespace Partnumber.Client.WebSample.Tests;

/// <summary>Regenerates the README's picture of the page (docs/images/web-sample.png) and checks it shows something.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ScreenshotTests(BrowserFixture fixture)
{
    [SkippableFact]
    public async Task The_finished_page_is_captured_for_the_README()
    {
        const string Partnumber = "PN-TEST-12345";
        var batch = new[] { "PN-TEST-23456", "PN-TEST-34567", "FAIL-PN-45678", "PN-TEST-56789" };
        fixture.Fake.ForPartnumber(Partnumber)
            .Progress("Recebendo pedido", TimeSpan.FromMilliseconds(50))
            .Progress("Consultando o catálogo do fabricante", TimeSpan.FromMilliseconds(50))
            .Progress("Calculando a NCM", TimeSpan.FromMilliseconds(50))
            .Progress("Gerando classificação", TimeSpan.FromMilliseconds(50))
            .Finish("Válvula de retenção de latão, 1/2\"", new { ncm = "8481.30.00", confidence = 0.97 });
        fixture.Fake.ForPartnumber("FAIL-PN-45678").Progress("Recebendo pedido").FailInUpdate("Fabricante desconhecido");

        await using var page = await fixture.OpenAsync(width: 900, height: 900);
        await page.ClassifyWithKeyboardAsync(Partnumber, description: "válvula de retenção", manufacturer: "ACME", supplier: "Distribuidora Sul");
        await page.ResultTableAsync();
        await page.Page.Locator("#batch-partnumbers").FillAsync(string.Join('\n', batch));
        await page.Page.Locator("#batch-concurrency").FillAsync("4");
        await page.Page.GetByRole(AriaRole.Button, new() { Name = "Classify batch" }).ClickAsync();
        await Expect(page.Page.Locator("#batch-state")).ToHaveTextAsync("· finished");
        await page.Page.Locator("#batch-partnumbers").BlurAsync();

        Directory.CreateDirectory(Path.GetDirectoryName(RepositoryPaths.Screenshot)!);
        var png = await page.Page.ScreenshotAsync(new() { Path = RepositoryPaths.Screenshot, FullPage = true });

        // Not blank: a real page has text in several colours, anti-aliased (a blank or failed render has a handful).
        Assert.True(png.Length > 20_000, $"the screenshot is only {png.Length} bytes");
        var colours = await CountColoursAsync(page.Page, png);
        Assert.True(colours > 50, $"the screenshot has only {colours} distinct colours");
    }

    /// <summary>Decodes the PNG in the browser (a canvas) and counts its distinct colours.</summary>
    private static async Task<int> CountColoursAsync(IPage page, byte[] png) =>
        await page.EvaluateAsync<int>(
            """
            async base64 => {
              const bytes = Uint8Array.from(atob(base64), c => c.charCodeAt(0));
              const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
              const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
              const context = canvas.getContext('2d');
              context.drawImage(bitmap, 0, 0);
              const data = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
              const colours = new Set();
              for (let i = 0; i < data.length; i += 4) colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
              return colours.size;
            }
            """,
            Convert.ToBase64String(png));
}
