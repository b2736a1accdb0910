-- An MTA-STS policy may list many long mx patterns (the issue "under attack": seven long lines overflowed 255
-- characters and stopped all recording). The report needs them whole, so the column takes what a policy can hold.
ALTER TABLE tls_result ALTER COLUMN mx_host_pattern SET DATA TYPE VARCHAR(65535);
