package io.maintenance.storage.s3.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** How answers that the IT servers cannot produce (AWS's own codes) are classified. */
class S3ErrorsTest {
  @Test
  void awsAuthenticationAndPermissionAnswersMeanAuthFailed() {
    for (String code : new String[] {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "ExpiredToken",
        "AuthorizationHeaderMalformed", "XAdminUserNotFound"}) {
      assertThat(S3Errors.reason(s3(403, code, "denied"))).as(code).isEqualTo("STORAGE_AUTH_FAILED");
    }
    assertThat(S3Errors.reason(s3(403, null, null))).as("a HEAD's 403 has no code").isEqualTo("STORAGE_AUTH_FAILED");
    assertThat(S3Errors.reason(SdkClientException.create("Unable to load credentials from any of the providers in the chain")))
        .isEqualTo("STORAGE_AUTH_FAILED");
  }

  @Test
  void missingBucketIsNotAMissingObject() {
    S3Exception noBucket = s3(404, "NoSuchBucket", "The specified bucket does not exist");

    assertThat(S3Errors.reason(noBucket)).isEqualTo("STORAGE_BUCKET_MISSING");
    assertThat(S3Errors.isNotFound(noBucket)).isFalse();
    assertThat(S3Errors.isNotFound(s3(404, "NoSuchKey", null))).isTrue();
    assertThat(S3Errors.isNotFound(s3(404, "XAdminUserNotFound", null))).isFalse();
  }

  @Test
  void connectionFailuresMeanUnreachableAndDependencyUnavailable() {
    SdkClientException refused = SdkClientException.builder().message("Unable to execute HTTP request")
        .cause(new ConnectException("Connection refused")).build();

    assertThat(S3Errors.reason(refused)).isEqualTo("STORAGE_UNREACHABLE");
    MaintenanceException e = S3Errors.failure("GetObject", "a.bin", refused);
    assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE);
    assertThat(e.getMessage()).contains("ConnectException: Connection refused");
  }

  @Test
  void checksumRejectionsAreRecognisedInEveryServersSpelling() {
    assertThat(S3Errors.isChecksumRejection(s3(400, "BadDigest", "The CRC32C you specified did not match the calculated checksum."))).isTrue();
    assertThat(S3Errors.isChecksumRejection(s3(400, "InvalidDigest", "The Content-MD5 you specified is not valid."))).isTrue();
    assertThat(S3Errors.isChecksumRejection(s3(400, "XAmzContentChecksumMismatch", null))).isTrue();
    // S3Mock 4.x
    assertThat(S3Errors.isChecksumRejection(s3(400, "BadRequest", "Value for x-amz-checksum-crc32c header is invalid."))).isTrue();
    assertThat(S3Errors.isChecksumRejection(s3(400, "BadRequest", "Content-MD5 does not match object md5"))).isTrue();

    assertThat(S3Errors.isChecksumRejection(s3(400, "InvalidArgument", "Part number must be an integer"))).isFalse();
    assertThat(S3Errors.isChecksumRejection(s3(501, "NotImplemented", "A header you provided implies functionality that is not implemented."))).isFalse();
    assertThat(S3Errors.isChecksumRejection(s3(500, "BadDigest", null))).isFalse();
  }

  @Test
  void failuresNameOperationKeyStatusAndCodeButNoCredentials() {
    MaintenanceException e = S3Errors.failure("PutObject", "b1/pg/t.json", s3(403, "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided."));

    assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
    assertThat(e.getMessage()).contains("PutObject").contains("b1/pg/t.json").contains("403 SignatureDoesNotMatch");
    assertThat(e.details()).containsEntry("reason", "STORAGE_AUTH_FAILED").containsEntry("status", "403")
        .containsEntry("s3Code", "SignatureDoesNotMatch").containsEntry("key", "b1/pg/t.json");
  }

  private static S3Exception s3(int status, String code, String message) {
    return (S3Exception) S3Exception.builder().statusCode(status).message(message)
        .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(message).build()).build();
  }
}
