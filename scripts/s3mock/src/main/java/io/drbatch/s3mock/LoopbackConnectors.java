package io.drbatch.s3mock;

import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Binds S3Mock's plain-HTTP Tomcat connector (a bean of type {@code org.apache.catalina.connector.Connector})
 * to the address in the system property {@code drbatch.s3mock.address} (default 127.0.0.1). That connector
 * ignores {@code server.address}; without this it would listen on every interface.
 * Matched by class name and called reflectively so that this class compiles against Spring alone.
 */
public class LoopbackConnectors implements BeanPostProcessor {

	private static final String TOMCAT_CONNECTOR = "org.apache.catalina.connector.Connector";

	@Override
	public Object postProcessBeforeInitialization(Object bean, String beanName) {
		if (bean.getClass().getName().equals(TOMCAT_CONNECTOR)) {
			String address = System.getProperty("drbatch.s3mock.address", "127.0.0.1");
			try {
				bean.getClass().getMethod("setProperty", String.class, String.class).invoke(bean, "address", address);
			}
			catch (ReflectiveOperationException ex) {
				throw new IllegalStateException("cannot bind the S3Mock HTTP connector to " + address, ex);
			}
		}
		return bean;
	}

}
