using Moq;

namespace Partnumber.Client.Tests;

/// <summary>How an application's own code is tested with Moq: both the interface and the class's virtual members mock.</summary>
public class ConsumerMockingTests
{
    /// <summary>Application code as a consumer would write it.</summary>
    private sealed class CatalogueImporter(IPartnumberClassificationClient client)
    {
        public async Task<string> DescribeAsync(string partnumber, CancellationToken cancellationToken = default)
        {
            try
            {
                var result = await client.ClassifyAndWaitAsync(new ClassificationRequest(partnumber), cancellationToken: cancellationToken);
                return $"{result.Partnumber}: {result.Description}";
            }
            catch (ClassificationFailedException ex)
            {
                return $"{partnumber}: failed ({ex.Message})";
            }
        }

        public async Task<int> CountStepsAsync(string partnumber)
        {
            var steps = 0;
            await foreach (var update in client.ClassifyAsync(new ClassificationRequest(partnumber)))
            {
                steps += update.IsFinal ? 0 : 1;
            }

            return steps;
        }
    }

    [Fact]
    public async Task The_interface_mocks_with_results_built_by_the_model_factory()
    {
        var client = new Mock<IPartnumberClassificationClient>();
        client.Setup(c => c.ClassifyAndWaitAsync(It.Is<ClassificationRequest>(r => r.Partnumber == "PN-1"), null, It.IsAny<CancellationToken>()))
            .ReturnsAsync(PartnumberModelFactory.ClassificationResult("PN-1", "Parafuso M6"));
        client.Setup(c => c.ClassifyAndWaitAsync(It.Is<ClassificationRequest>(r => r.Partnumber == "PN-2"), null, It.IsAny<CancellationToken>()))
            .ThrowsAsync(new ClassificationFailedException("model offline"));
        var importer = new CatalogueImporter(client.Object);

        Assert.Equal("PN-1: Parafuso M6", await importer.DescribeAsync("PN-1"));
        Assert.Equal("PN-2: failed (model offline)", await importer.DescribeAsync("PN-2"));
    }

    [Fact]
    public async Task The_class_mocks_through_its_protected_constructor_and_virtual_members()
    {
        var client = new Mock<PartnumberClassificationClient>();
        client.Setup(c => c.ClassifyAsync(It.IsAny<ClassificationRequest>(), It.IsAny<CancellationToken>()))
            .Returns(Stream(
                PartnumberModelFactory.ProgressUpdate(1, 2, "a"),
                PartnumberModelFactory.ProgressUpdate(2, 2, "b"),
                PartnumberModelFactory.FinalUpdate(PartnumberModelFactory.ClassificationResult("PN-1"))));
        var importer = new CatalogueImporter(client.Object);

        Assert.Equal(2, await importer.CountStepsAsync("PN-1"));
    }

    [Fact]
    public void The_model_factory_builds_consistent_models()
    {
        var result = PartnumberModelFactory.ClassificationResult("PN-1", "d", taskId: "t", roomId: "r");
        var final = PartnumberModelFactory.FinalUpdate(result);
        var progress = PartnumberModelFactory.ProgressUpdate(3, 5, "m");

        Assert.True(final.IsFinal);
        Assert.Same(result, final.Result);
        Assert.Equal("done", result.Payload.GetProperty("status").GetString());
        Assert.Equal("PN-1", result.Payload.GetProperty("partnumber").GetString());
        Assert.False(progress.IsFinal);
        Assert.Equal("3", progress.Payload.GetProperty("current").GetString());
        Assert.Equal(ClassificationStatus.Processing, progress.Status);
    }

    private static async IAsyncEnumerable<ClassificationUpdate> Stream(params ClassificationUpdate[] updates)
    {
        foreach (var update in updates)
        {
            await Task.Yield();
            yield return update;
        }
    }
}
